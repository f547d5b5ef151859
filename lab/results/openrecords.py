"""Open mode's records: a sweep (one app container offered every rate) and its points.

    <run>/open/<n>.json      one per sweep, rewritten as each point ends
    <run>/open-ceiling.json  the generator's own ceiling against the static server

A point keeps the generator's raw output (its JSON line holds the whole latency
histogram) beside the figures derived from it, so every percentile can be recomputed.
A point is `ok` (valid), `invalid` (measured, but the load was not what was asked: the
reason says why) or `failed` (not measured: the app died, no rate to scale from).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from lab.measure.cpu import CpuUse
from lab.measure.histogram import percentiles
from lab.measure.hostcpu import HostEvidence
from lab.measure.openjson import (
    OpenOutputError,
    OpenResult,
    invalid_because,
    parse_open_output,
)
from lab.model.cpurequest import CPU_ROLES
from lab.results.execrecord import ExecRecord
from lab.results.jsonfields import NUMBER, JsonObject, objects, one_of_versions, optional, required
from lab.results.records import host_from_dict, host_to_dict
from lab.results.schema import (
    OPEN_SWEEP_KIND,
    OPEN_SWEEP_SCHEMA_VERSION,
    OPEN_SWEEP_SCHEMA_VERSIONS,
)

POINT_STATUSES = ("ok", "invalid", "failed")


@dataclass(frozen=True, slots=True)
class OpenPoint:
    """One offered rate within a sweep."""

    position: int  # from 1, lowest rate first
    rate_label: str  # as asked: "50%" or "2000/s"
    rate_rps: float | None  # what was offered; None when there was nothing to scale from
    status: str
    reason: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    generator: ExecRecord | None = None
    # When each injected pause began (seconds from the window's start) and how long the
    # app really stayed paused; and why the engine refused one, if it did.
    stalls: tuple[tuple[float, float], ...] | None = None
    stall_error: str | None = None
    # What else used the placement's CPUs during the window, or why the host could not be
    # read; and each role's CPU use: None in points of sweep schema 1.
    host: HostEvidence | None = None
    host_unavailable: str | None = None
    cpu: Mapping[str, CpuUse | None] | None = field(default=None, hash=False)

    @property
    def result(self) -> OpenResult | None:
        """The generator's parsed result; None when it printed none."""
        if self.generator is None:
            return None
        try:
            return parse_open_output(self.generator.stdout)
        except OpenOutputError:
            return None

    def to_dict(self) -> JsonObject:
        data: JsonObject = {
            "position": self.position,
            "rate": self.rate_label,
            "rate_rps": self.rate_rps,
            "status": self.status,
            "reason": self.reason,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
        }
        result = self.result
        if result is not None:
            # Derived, for readers; the raw line in generator.stdout is the source.
            data["figures"] = {
                "achieved_rps": round(result.achieved_rps, 3),
                "scheduled": result.scheduled,
                "completed": result.completed,
                "dropped": result.dropped,
                "errors": dict(result.errors),
                "lag_us": {"p99": result.lag_p99_us, "max": result.lag_max_us},
                "latency_us": percentiles(result.latency) if result.completed else None,
                "service_us": percentiles(result.service)
                if result.service is not None and result.completed
                else None,
            }
        if self.stalls is not None:
            data["stalls"] = [[at, paused] for at, paused in self.stalls]
        if self.stall_error is not None:
            data["stall_error"] = self.stall_error
        host = host_to_dict(self.host, self.host_unavailable)
        if host is not None:
            data["host"] = host
        if self.cpu is not None:
            uses = {role: self.cpu.get(role) for role in CPU_ROLES}
            data["cpu"] = {
                role: None if use is None else use.to_dict() for role, use in uses.items()
            }
        if self.generator is not None:
            data["generator"] = self.generator.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> OpenPoint:
        status = required(data, "status", str, where)
        if status not in POINT_STATUSES:
            raise ValueError(f"{where}.status: {status!r} is not one of {POINT_STATUSES}")
        generator = optional(data, "generator", dict, where)
        stalls = optional(data, "stalls", list, where)
        cpu = optional(data, "cpu", dict, where)
        return cls(
            position=required(data, "position", int, where),
            rate_label=required(data, "rate", str, where),
            rate_rps=optional(data, "rate_rps", NUMBER, where),
            status=status,
            reason=optional(data, "reason", str, where),
            started_at=optional(data, "started_at", str, where),
            finished_at=optional(data, "finished_at", str, where),
            generator=ExecRecord.from_dict(generator, f"{where}.generator")
            if generator is not None
            else None,
            stalls=tuple((float(at), float(paused)) for at, paused in stalls)
            if stalls is not None
            else None,
            stall_error=optional(data, "stall_error", str, where),
            cpu=None
            if cpu is None
            else {
                role: None if cpu.get(role) is None else CpuUse.from_dict(cpu[role])
                for role in CPU_ROLES
            },
            **host_from_dict(optional(data, "host", dict, where), f"{where}.host", where),
        )


def measured_point(
    position: int,
    rate_label: str,
    rate_rps: float,
    generator: ExecRecord,
    started_at: str,
    finished_at: str,
    *,
    stalls: Sequence[tuple[float, float]] | None = None,
    stall_error: str | None = None,
    host: HostEvidence | None = None,
    host_unavailable: str | None = None,
    cpu: Mapping[str, CpuUse | None] | None = None,
) -> OpenPoint:
    """A point from the generator's output and the readings around it: ok, invalid (and
    why), or failed when the generator printed no result."""
    point = OpenPoint(
        position,
        rate_label,
        rate_rps,
        "ok",
        started_at=started_at,
        finished_at=finished_at,
        generator=generator,
        stalls=tuple(stalls) if stalls is not None else None,
        stall_error=stall_error,
        host=host,
        host_unavailable=host_unavailable,
        cpu=None if cpu is None else dict(cpu),
    )
    try:
        result = parse_open_output(generator.stdout)
    except OpenOutputError as exc:
        tail = generator.stderr.strip().splitlines()[-1:] or [""]
        reason = f"generator exit {generator.exit_code}: {exc}" + (
            f" ({tail[0][:200]})" if tail[0] else ""
        )
        return replace(point, status="failed", reason=reason)
    why = invalid_because(result, rate_rps)
    return replace(point, status="invalid", reason=why) if why else point


@dataclass(frozen=True, slots=True)
class OpenSweep:
    """One app x scenario offered every rate, lowest first, in one app container."""

    index: int
    app: str
    scenario: str
    repetition: int
    connections: int
    threads: int
    # "complete": every rate has its point; "failed": the sweep stopped (reason says why)
    # and the rates after it have none; "running": written while it goes on.
    status: str
    points: tuple[OpenPoint, ...] = ()
    reason: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    verification: Mapping[str, Any] | None = field(default=None, hash=False)
    app_log: str | None = None
    # A file read keeps the version it was written in, so it writes back unchanged.
    schema_version: int = OPEN_SWEEP_SCHEMA_VERSION

    def to_dict(self) -> JsonObject:
        data: JsonObject = {
            "schema_version": self.schema_version,
            "kind": OPEN_SWEEP_KIND,
            "index": self.index,
            "app": self.app,
            "scenario": self.scenario,
            "repetition": self.repetition,
            "connections": self.connections,
            "threads": self.threads,
            "status": self.status,
            "reason": self.reason,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "points": [point.to_dict() for point in self.points],
            "verification": dict(self.verification) if self.verification is not None else None,
        }
        if self.app_log is not None:
            data["app_log"] = self.app_log
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OpenSweep:
        schema_version = one_of_versions(data, OPEN_SWEEP_SCHEMA_VERSIONS)
        if data.get("kind") != OPEN_SWEEP_KIND:
            raise ValueError(f"kind: expected {OPEN_SWEEP_KIND!r}, got {data.get('kind')!r}")
        return cls(
            index=required(data, "index", int),
            app=required(data, "app", str),
            scenario=required(data, "scenario", str),
            repetition=required(data, "repetition", int),
            connections=required(data, "connections", int),
            threads=required(data, "threads", int),
            status=required(data, "status", str),
            points=tuple(
                OpenPoint.from_dict(point, f"points[{n}]")
                for n, point in enumerate(objects(data, "points"))
            ),
            reason=optional(data, "reason", str, ""),
            started_at=optional(data, "started_at", str, ""),
            finished_at=optional(data, "finished_at", str, ""),
            verification=optional(data, "verification", dict, ""),
            app_log=optional(data, "app_log", str),
            schema_version=schema_version,
        )
