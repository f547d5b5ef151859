"""summary.json as types: per-cell statistics, app-to-app ratios, and what the checks found.

`Summary.to_dict()` writes the keys in the order the lab has always written them, and a
file read with `from_dict` is written back byte for byte (tests/unit/results/test_golden.py).
The statistics are made by lab.analysis.summary; the findings by lab.analysis.assess.

Older files lack the keys added since (run_id, notes, ceiling_rps, network_path,
findings, a cell's headline_ok); they read as None, or ABSENT where null is a value.
Version 1 wrote each interval as a "ci95" pair; version 2 writes an object stating the
level the interval achieves and its method, a cell's geometric mean (the ratios are of
geometric means), and the precision a run asked for with --target-ci. Version 3 blocks
each ratio by round: its estimator, the rounds it paired, the interval the trials would
give as if independent beside it, and the host's drift the run measured. Version 4 gives
each cell its cost of serving (lab.results.costdoc); version 5 a merged run's hosts and
how far each ratio agrees across them (lab.results.hostsdoc). A file is written back in its
own version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lab.model.cell import Cell
from lab.results.costdoc import CellCost
from lab.results.driftdoc import HostDrift
from lab.results.findings import Finding
from lab.results.hostsdoc import Hosts
from lab.results.intervaldoc import StatedInterval, stated_interval
from lab.results.jsonfields import (
    ABSENT,
    NUMBER,
    Absent,
    JsonObject,
    interval,
    key_path,
    nullable,
    numbers,
    numbers_by_name,
    objects,
    one_of_versions,
    optional,
    pair_or_none,
    required,
    strings,
)
from lab.results.schema import SUMMARY_SCHEMA_VERSION, SUMMARY_SCHEMA_VERSIONS

LATENCY_PERCENTILES = ("p50", "p75", "p90", "p99", "p99_9", "max")
ERROR_KINDS = ("connect", "read", "write", "status", "timeout")


@dataclass(frozen=True, slots=True)
class CpuShare:
    """One role's CPU use in a cell: medians over the trials whose snapshots worked."""

    share: float
    throttled_periods: float
    samples: int

    def to_dict(self) -> JsonObject:
        return {
            "share": self.share,
            "throttled_periods": self.throttled_periods,
            "samples": self.samples,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> CpuShare:
        return cls(
            share=required(data, "share", NUMBER, where),
            throttled_periods=required(data, "throttled_periods", NUMBER, where),
            samples=required(data, "samples", int, where),
        )


@dataclass(frozen=True, slots=True)
class SummaryCell:
    """One app x scenario x connections level. Statistics are None without an ok trial.

    `headline_ok` is None in files written before the lab checked its measurements.
    """

    app: str
    scenario: str
    connections: int
    trials: int
    failed: int
    rps: tuple[float, ...]
    rps_median: float | None = None
    rps_ci: StatedInterval | None = None  # of the median
    rps_geomean: float | None = None
    cv: float | None = None
    latency_us: Mapping[str, float | None] | None = field(default=None, hash=False)
    errors: Mapping[str, int | None] | None = field(default=None, hash=False)
    cpu: Mapping[str, CpuShare | None] | None = field(default=None, hash=False)
    headline_ok: bool | None = None
    # With --target-ci: whether every interval this cell's headline rests on is narrow enough.
    target_reached: bool | None = None
    # The ok trials (by index) the host's evidence shows disturbed; they are in the figures
    # above. None when no trial of the cell has evidence (lab.analysis.disturbance).
    host_disturbed: tuple[int, ...] | None = None
    cost: CellCost | None = field(default=None, hash=False)  # version 4: CPU and memory

    @property
    def key(self) -> Cell:
        return Cell(self.app, self.scenario, self.connections)

    @property
    def level(self) -> tuple[str, int]:
        return (self.scenario, self.connections)

    @property
    def error_total(self) -> int | None:
        return None if self.errors is None else self.errors.get("total")

    def share(self, role: str) -> float | None:
        """The role's median CPU share, None when unknown."""
        use = None if self.cpu is None else self.cpu.get(role)
        return None if use is None else use.share

    def to_dict(self, schema_version: int = SUMMARY_SCHEMA_VERSION) -> JsonObject:
        cell: JsonObject = {
            "app": self.app,
            "scenario": self.scenario,
            "connections": self.connections,
            "trials": self.trials,
            "failed": self.failed,
            "rps": list(self.rps),
            "rps_median": self.rps_median,
        }
        if schema_version == 1:
            cell["rps_ci95"] = pair_or_none(None if self.rps_ci is None else self.rps_ci.pair)
        else:
            cell["rps_ci"] = None if self.rps_ci is None else self.rps_ci.to_dict()
            cell["rps_geomean"] = self.rps_geomean
        cell |= {
            "cv": self.cv,
            "latency_us": None if self.latency_us is None else dict(self.latency_us),
            "errors": None if self.errors is None else dict(self.errors),
            "cpu": None
            if self.cpu is None
            else {role: None if use is None else use.to_dict() for role, use in self.cpu.items()},
        }
        if self.headline_ok is not None:
            cell["headline_ok"] = self.headline_ok
        if self.target_reached is not None:
            cell["target_reached"] = self.target_reached
        if self.host_disturbed is not None and schema_version >= 2:
            cell["host_disturbed"] = list(self.host_disturbed)
        if self.cost is not None and schema_version >= 4:
            cell["cost"] = self.cost.to_dict()
        return cell

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "") -> SummaryCell:
        cpu = optional(data, "cpu", dict, where)
        cost = optional(data, "cost", dict, where)
        roles = key_path(where, "cpu")
        return cls(
            app=required(data, "app", str, where),
            scenario=required(data, "scenario", str, where),
            connections=required(data, "connections", int, where),
            trials=required(data, "trials", int, where),
            failed=required(data, "failed", int, where),
            rps=numbers(data, "rps", where),
            rps_median=optional(data, "rps_median", NUMBER, where),
            rps_ci=StatedInterval.legacy(interval(data, "rps_ci95", where))
            if "rps_ci95" in data
            else stated_interval(data, "rps_ci", where),
            rps_geomean=optional(data, "rps_geomean", NUMBER, where),
            cv=optional(data, "cv", NUMBER, where),
            latency_us=numbers_by_name(data, "latency_us", where),
            errors=numbers_by_name(data, "errors", where),
            cpu=None
            if cpu is None
            else {
                role: None
                if cpu[role] is None
                else CpuShare.from_dict(required(cpu, role, dict, roles), f"{roles}.{role}")
                for role in cpu
            },
            headline_ok=optional(data, "headline_ok", bool, where),
            target_reached=optional(data, "target_reached", bool, where),
            host_disturbed=_indices(data, "host_disturbed", where),
            cost=None if cost is None else CellCost.from_dict(cost, key_path(where, "cost")),
        )


def _indices(data: Mapping[str, Any], key: str, where: str) -> tuple[int, ...] | None:
    values = optional(data, key, list, where)
    if values is None:
        return None
    if not all(isinstance(value, int) and not isinstance(value, bool) for value in values):
        raise ValueError(f"{key_path(where, key)}: expected trial indices, got {values!r}")
    return tuple(values)


# What a ratio divides: version 3's, by round where it can; 2's, geometric means; 1's, medians.
BLOCKED = "per-round log ratios (blocked by round)"
GEOMETRIC_MEANS = "geometric means"
MEDIANS = "medians"


@dataclass(frozen=True, slots=True)
class Ratio:
    """numerator / denominator req/s in one scenario x connections level, of `estimator`."""

    scenario: str
    connections: int
    numerator: str
    denominator: str
    ratio: float | None = None
    ci: StatedInterval | None = None
    estimator: str = GEOMETRIC_MEANS
    target_reached: bool | None = None
    # Version 3, blocked: the rounds paired, and the Welch interval of the same trials
    # taken as independent (what blocking gained).
    pairs: int | None = None
    ci_unblocked: StatedInterval | None = None

    @property
    def level(self) -> tuple[str, int]:
        return (self.scenario, self.connections)

    @property
    def half_width_pct(self) -> float | None:
        """The interval's half-width as a percentage of the ratio; None without one."""
        if self.ci is None or self.ratio is None:
            return None
        return self.ci.half_width_pct(self.ratio)

    def to_dict(self, schema_version: int = SUMMARY_SCHEMA_VERSION) -> JsonObject:
        ratio: JsonObject = {
            "scenario": self.scenario,
            "connections": self.connections,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "ratio": self.ratio,
        }
        if schema_version == 1:
            ratio["ci95"] = pair_or_none(None if self.ci is None else self.ci.pair)
            return ratio
        ratio |= {"estimator": self.estimator, "ci": None if self.ci is None else self.ci.to_dict()}
        if self.target_reached is not None:
            ratio["target_reached"] = self.target_reached
        if schema_version >= 3 and self.pairs is not None:
            ratio |= {
                "pairs": self.pairs,
                "ci_unblocked": None if self.ci_unblocked is None else self.ci_unblocked.to_dict(),
            }
        return ratio

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "") -> Ratio:
        legacy = "ci95" in data
        return cls(
            scenario=required(data, "scenario", str, where),
            connections=required(data, "connections", int, where),
            numerator=required(data, "numerator", str, where),
            denominator=required(data, "denominator", str, where),
            ratio=optional(data, "ratio", NUMBER, where),
            ci=StatedInterval.legacy(interval(data, "ci95", where))
            if legacy
            else stated_interval(data, "ci", where),
            estimator=MEDIANS if legacy else required(data, "estimator", str, where),
            target_reached=optional(data, "target_reached", bool, where),
            pairs=optional(data, "pairs", int, where),
            ci_unblocked=stated_interval(data, "ci_unblocked", where),
        )


@dataclass(frozen=True, slots=True)
class Precision:
    """What --target-ci asked and got: every headline interval within `target_pct`?

    `stopped_by` is "target" when it was reached, else the bound that ended the run
    ("max-repetitions", "max-time") or how it ended ("interrupted", "failed").
    `half_width_pct` is the widest headline interval's, `widest` what it belongs to.
    """

    target_pct: float
    reached: bool
    stopped_by: str
    rounds: int
    half_width_pct: float | None
    widest: str | None

    def to_dict(self) -> JsonObject:
        return {
            "target_pct": self.target_pct,
            "reached": self.reached,
            "stopped_by": self.stopped_by,
            "rounds": self.rounds,
            "half_width_pct": self.half_width_pct,
            "widest": self.widest,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Precision:
        where = "precision"
        return cls(
            target_pct=required(data, "target_pct", NUMBER, where),
            reached=required(data, "reached", bool, where),
            stopped_by=required(data, "stopped_by", str, where),
            rounds=required(data, "rounds", int, where),
            half_width_pct=optional(data, "half_width_pct", NUMBER, where),
            widest=optional(data, "widest", str, where),
        )


@dataclass(frozen=True, slots=True)
class Summary:
    """summary.json. The keys after `ratios` are the run's additions; None: not written."""

    apps: tuple[str, ...]
    cells: tuple[SummaryCell, ...]
    ratios: tuple[Ratio, ...] = ()
    run_id: str | None = None
    notes: tuple[str, ...] | None = None
    # The harness ceiling judged against; null when none was measured.
    ceiling_rps: float | Absent | None = ABSENT
    network_path: str | None = None
    findings: tuple[Finding, ...] | None = None
    precision: Precision | None = None
    drift: HostDrift | None = None  # version 3
    hosts: Hosts | None = None  # version 5, a merged run's
    schema_version: int = SUMMARY_SCHEMA_VERSION

    @property
    def levels(self) -> list[tuple[str, int]]:
        """Each scenario x connections level, in the order its cells first appear."""
        return list(dict.fromkeys(cell.level for cell in self.cells))

    def cell(self, key: Cell) -> SummaryCell | None:
        return next((cell for cell in self.cells if cell.key == key), None)

    def to_dict(self) -> JsonObject:
        data: JsonObject = {
            "schema_version": self.schema_version,
            "apps": list(self.apps),
            "cells": [cell.to_dict(self.schema_version) for cell in self.cells],
            "ratios": [ratio.to_dict(self.schema_version) for ratio in self.ratios],
        }
        if self.run_id is not None:
            data["run_id"] = self.run_id
        if self.notes is not None:
            data["notes"] = list(self.notes)
        if self.ceiling_rps is not ABSENT:
            data["ceiling_rps"] = self.ceiling_rps
        if self.network_path is not None:
            data["network_path"] = self.network_path
        if self.findings is not None:
            data["findings"] = [finding.to_dict() for finding in self.findings]
        if self.precision is not None:
            data["precision"] = self.precision.to_dict()
        if self.drift is not None and self.schema_version >= 3:
            data["drift"] = self.drift.to_dict()
        if self.hosts is not None and self.schema_version >= 5:
            data["hosts"] = self.hosts.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Summary:
        """Inverse of to_dict; raises ValueError naming the first bad key and where it is."""
        schema_version = one_of_versions(data, SUMMARY_SCHEMA_VERSIONS)
        precision = optional(data, "precision", dict)
        drift = optional(data, "drift", dict)
        hosts = optional(data, "hosts", dict)
        required(data, "apps", list)
        required(data, "cells", list)
        return cls(
            apps=strings(data, "apps") or (),
            cells=tuple(
                SummaryCell.from_dict(cell, f"cells[{n}]")
                for n, cell in enumerate(objects(data, "cells"))
            ),
            ratios=tuple(
                Ratio.from_dict(ratio, f"ratios[{n}]")
                for n, ratio in enumerate(objects(data, "ratios"))
            ),
            run_id=optional(data, "run_id", str),
            notes=strings(data, "notes"),
            ceiling_rps=nullable(data, "ceiling_rps", NUMBER),
            network_path=optional(data, "network_path", str),
            findings=None
            if data.get("findings") is None
            else tuple(Finding.from_dict(item) for item in objects(data, "findings")),
            precision=None if precision is None else Precision.from_dict(precision),
            drift=None if drift is None else HostDrift.from_dict(drift),
            hosts=None if hosts is None else Hosts.from_dict(hosts),
            schema_version=schema_version,
        )
