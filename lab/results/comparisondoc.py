"""The comparison of two runs as `lab compare --json` prints it, as types.

lab.analysis.compare makes the comparison and derives what this document states (the
verdict, the exit code, the calibration's advice and normalised ratios); the document
holds them as written, so one read back is written again byte for byte.

Each cell states its test, its p-value before and after Holm's adjustment over the
run's cells, and its interval with the level it achieves. Comparisons printed before
that ("ci95", the ratio of medians, no adjustment) still read: their interval as the
95% it claimed, with no test named.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

from lab.model.cell import Cell
from lab.results.costchangedoc import CostChange
from lab.results.intervaldoc import StatedInterval, stated_interval
from lab.results.jsonfields import (
    NUMBER,
    JsonObject,
    choice,
    interval,
    key_path,
    objects,
    optional,
    required,
    strings,
)

CellVerdict = Literal["improved", "regressed", "no difference", "not comparable"]
CELL_VERDICTS: tuple[CellVerdict, ...] = get_args(CellVerdict)


def cell_name(key: Cell) -> str:
    """How the comparison names a cell: "aio hello @200"."""
    return f"{key[0]} {key[1]} @{key[2]}"


@dataclass(frozen=True, slots=True)
class CellComparison:
    """One cell of both runs: B's req/s over A's (geometric means), and whether it changed.

    `p_value` is the cell's own test; `p_adjusted` Holm's over the cells compared, which
    decides the verdict together with the practical threshold.
    """

    app: str
    scenario: str
    connections: int
    trials_a: int
    trials_b: int
    median_a: float | None
    median_b: float | None
    ratio: float | None
    ci: StatedInterval | None
    p_value: float | None
    verdict: CellVerdict
    # Why the cell could not be judged; None when it was.
    reason: str | None = None
    test: str | None = None
    p_adjusted: float | None = None

    @property
    def key(self) -> Cell:
        return Cell(self.app, self.scenario, self.connections)

    @property
    def name(self) -> str:
        return cell_name(self.key)

    @property
    def change_pct(self) -> float | None:
        return None if self.ratio is None else (self.ratio - 1) * 100

    def to_dict(self) -> JsonObject:
        return {
            "app": self.app,
            "scenario": self.scenario,
            "connections": self.connections,
            "median_a": self.median_a,
            "median_b": self.median_b,
            "ratio": self.ratio,
            "ci": None if self.ci is None else self.ci.to_dict(),
            "test": self.test,
            "p_value": self.p_value,
            "p_adjusted": self.p_adjusted,
            "verdict": self.verdict,
            "change_pct": self.change_pct,
            "trials_a": self.trials_a,
            "trials_b": self.trials_b,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "") -> CellComparison:
        """Inverse of to_dict; change_pct is derived from the ratio, not read."""
        verdict = choice(data, "verdict", CELL_VERDICTS, where)
        return cls(
            app=required(data, "app", str, where),
            scenario=required(data, "scenario", str, where),
            connections=required(data, "connections", int, where),
            trials_a=required(data, "trials_a", int, where),
            trials_b=required(data, "trials_b", int, where),
            median_a=optional(data, "median_a", NUMBER, where),
            median_b=optional(data, "median_b", NUMBER, where),
            ratio=optional(data, "ratio", NUMBER, where),
            ci=StatedInterval.legacy(interval(data, "ci95", where))
            if "ci95" in data
            else stated_interval(data, "ci", where),
            p_value=optional(data, "p_value", NUMBER, where),
            verdict=verdict,
            reason=optional(data, "reason", str, where),
            test=optional(data, "test", str, where),
            p_adjusted=optional(data, "p_adjusted", NUMBER, where),
        )


@dataclass(frozen=True, slots=True)
class Difference:
    """One way the two runs were made differently: `what`, and its value in A and in B."""

    what: str
    a: Any
    b: Any

    def to_dict(self) -> JsonObject:
        return {"what": self.what, "a": self.a, "b": self.b}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "") -> Difference:
        return cls(required(data, "what", str, where), data.get("a"), data.get("b"))


@dataclass(frozen=True, slots=True)
class NormalisedRatio:
    """A cell's B/A and its interval (at the cell's level) divided by the calibration factor."""

    cell: str
    ratio: float
    ci: tuple[float, float]

    def to_dict(self) -> JsonObject:
        return {"cell": self.cell, "ratio": self.ratio, "ci": list(self.ci)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "") -> NormalisedRatio:
        key = "ci95" if "ci95" in data else "ci"
        ci = interval(data, key, where)
        if ci is None:
            raise ValueError(f"missing key {key_path(where, key)!r}")
        return cls(required(data, "cell", str, where), required(data, "ratio", NUMBER, where), ci)


@dataclass(frozen=True, slots=True)
class CalibrationNote:
    """Both runs' calibration scores, B's over A's, what to trust, and the normalised ratios."""

    score_a: float
    score_b: float
    factor: float
    advice: str
    normalised: tuple[NormalisedRatio, ...]

    def to_dict(self) -> JsonObject:
        return {
            "score_a": self.score_a,
            "score_b": self.score_b,
            "factor": self.factor,
            "advice": self.advice,
            "normalised": [entry.to_dict() for entry in self.normalised],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CalibrationNote:
        where = "calibration"
        return cls(
            score_a=required(data, "score_a", NUMBER, where),
            score_b=required(data, "score_b", NUMBER, where),
            factor=required(data, "factor", NUMBER, where),
            advice=required(data, "advice", str, where),
            normalised=tuple(
                NormalisedRatio.from_dict(entry, f"{where}.normalised[{n}]")
                for n, entry in enumerate(objects(data, "normalised", where))
            ),
        )


@dataclass(frozen=True, slots=True)
class ComparisonDocument:
    """`lab compare --json`. `reason` says why the runs are not comparable, else None."""

    run_a: str
    run_b: str
    threshold_pct: float
    verdict: str
    exit_code: int
    reason: str | None
    cells: tuple[CellComparison, ...]
    only_in_a: tuple[str, ...]
    only_in_b: tuple[str, ...]
    provenance_differences: tuple[Difference, ...]
    calibration: CalibrationNote | None
    # The family-wise error rate the verdicts keep; None in comparisons printed before.
    alpha: float | None = None
    # The runs' own evidence that the host moved between them; None when none (or before).
    host_moved: tuple[str, ...] | None = None
    # The cost of serving, figure by figure; None in comparisons from before.
    cost: tuple[CostChange, ...] | None = None

    def to_dict(self) -> JsonObject:
        return (
            {
                "run_a": self.run_a,
                "run_b": self.run_b,
                "threshold_pct": self.threshold_pct,
                "alpha": self.alpha,
                "verdict": self.verdict,
                "exit_code": self.exit_code,
                "reason": self.reason,
                "cells": [cell.to_dict() for cell in self.cells],
                "only_in_a": list(self.only_in_a),
                "only_in_b": list(self.only_in_b),
                "provenance_differences": [d.to_dict() for d in self.provenance_differences],
                "calibration": None if self.calibration is None else self.calibration.to_dict(),
            }
            | ({} if self.host_moved is None else {"host_moved": list(self.host_moved)})
            | ({} if self.cost is None else {"cost": [change.to_dict() for change in self.cost]})
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ComparisonDocument:
        """Inverse of to_dict; raises ValueError naming the first bad key."""
        calibration = optional(data, "calibration", dict)
        return cls(
            run_a=required(data, "run_a", str),
            run_b=required(data, "run_b", str),
            threshold_pct=required(data, "threshold_pct", NUMBER),
            verdict=required(data, "verdict", str),
            exit_code=required(data, "exit_code", int),
            reason=optional(data, "reason", str),
            cells=tuple(
                CellComparison.from_dict(cell, f"cells[{n}]")
                for n, cell in enumerate(objects(data, "cells"))
            ),
            only_in_a=strings(data, "only_in_a") or (),
            only_in_b=strings(data, "only_in_b") or (),
            provenance_differences=tuple(
                Difference.from_dict(d, f"provenance_differences[{n}]")
                for n, d in enumerate(objects(data, "provenance_differences"))
            ),
            calibration=None if calibration is None else CalibrationNote.from_dict(calibration),
            alpha=optional(data, "alpha", NUMBER),
            host_moved=strings(data, "host_moved"),
            cost=None
            if data.get("cost") is None
            else tuple(
                CostChange.from_dict(change, f"cost[{n}]")
                for n, change in enumerate(objects(data, "cost"))
            ),
        )
