"""The trial record: everything one trial measured, written as `trials/<n>.json` when it ends.

A record is evidence, so wrk's raw output is always kept beside the parsed numbers, and
a failed trial keeps whatever it measured and the app's log. Whether a trial is ok is
judged in lab.results.judging; how records of earlier versions read, in lab.results.legacy.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from lab.measure.cpu import CpuUse
from lab.measure.hostcpu import HostEvidence
from lab.measure.memory import ContainerMemory
from lab.measure.wrkjson import Latency, WrkErrors
from lab.model.cell import Cell
from lab.model.cpurequest import CPU_ROLES
from lab.results.execrecord import WRK_ORDER, ExecRecord
from lab.results.jsonfields import NUMBER, JsonObject, optional, required, version
from lab.results.schema import TRIAL_SCHEMA_VERSION

Status = Literal["ok", "failed"]
# Roles whose CPU a record holds only when the run had them: PostgreSQL, for the scenarios
# that read it (on Redis's CPUs).
STORE_ROLES: tuple[str, ...] = ("postgres",)


@dataclass(frozen=True, slots=True, kw_only=True)
class TrialRecord:
    """One trial. Measured fields are None when the trial failed before producing them."""

    index: int
    status: Status
    reason: str | None
    app: str
    scenario: str
    connections: int
    repetition: int
    threads: int
    duration_s: float
    started_at: str
    finished_at: str
    rps: float | None
    requests: int | None
    ok_responses: int | None
    errors: WrkErrors | None
    latency_us: Latency | None
    cpu: Mapping[str, CpuUse | None]
    invariant: JsonObject | None
    verification: JsonObject | None
    # None only when the trial failed before wrk ran.
    wrk: ExecRecord | None
    app_log: str | None
    # What else used the placement's CPUs during the window, or why the host could not be
    # read (at most one of the two); both None in records from before the evidence.
    host: HostEvidence | None = None
    host_unavailable: str | None = None
    # The app container's memory at the end of the window, or why it could not be read
    # (at most one of the two); both None in records from before, and the key not written.
    memory: ContainerMemory | None = None
    memory_unavailable: str | None = None
    # Set by `lab merge`: the host the trial ran on (its engine and machine) and the shard
    # (I/N) that ran it; None, and the keys not written, in a run made whole on one host.
    node: str | None = None
    shard: str | None = None
    schema_version: int = TRIAL_SCHEMA_VERSION

    @property
    def cell(self) -> Cell:
        return Cell(self.app, self.scenario, self.connections)

    def __post_init__(self) -> None:
        if self.schema_version != TRIAL_SCHEMA_VERSION:
            raise ValueError(
                f"trial record: schema_version {self.schema_version} is not supported"
                f" (this lab reads {TRIAL_SCHEMA_VERSION})"
            )
        if self.host is not None and self.host_unavailable is not None:
            raise ValueError("trial record: host evidence and a reason for its absence")
        if self.memory is not None and self.memory_unavailable is not None:
            raise ValueError("trial record: the app's memory and a reason for its absence")
        if not set(CPU_ROLES) <= set(self.cpu) <= {*CPU_ROLES, *STORE_ROLES}:
            raise ValueError(
                f"trial record: cpu roles must be {CPU_ROLES} (and any of {STORE_ROLES}),"
                f" got {tuple(self.cpu)}"
            )
        if self.status == "ok":
            if self.reason is not None:
                raise ValueError("trial record: an ok trial has no failure reason")
            measured = (self.rps, self.requests, self.ok_responses, self.errors, self.latency_us)
            if any(value is None for value in measured) or self.wrk is None:
                raise ValueError("trial record: an ok trial needs wrk's output and its numbers")
        elif self.status == "failed":
            if not self.reason:
                raise ValueError("trial record: a failed trial needs a reason")
        else:
            raise ValueError(f"trial record: status must be 'ok' or 'failed', got {self.status!r}")

    @property
    def _cpu_roles(self) -> tuple[str, ...]:
        return (*CPU_ROLES, *(role for role in STORE_ROLES if role in self.cpu))

    def to_dict(self) -> JsonObject:
        errors = None if self.errors is None else self.errors.to_dict()
        record: JsonObject = {
            "schema_version": self.schema_version,
            "index": self.index,
            "status": self.status,
            "reason": self.reason,
            "app": self.app,
            "scenario": self.scenario,
            "connections": self.connections,
            "repetition": self.repetition,
            "threads": self.threads,
            "duration_s": self.duration_s,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "rps": self.rps,
            "requests": self.requests,
            "ok_responses": self.ok_responses,
            "errors": errors,
            "latency_us": None if self.latency_us is None else self.latency_us.to_dict(),
            "cpu": {role: _cpu_to_dict(self.cpu.get(role)) for role in self._cpu_roles},
            "invariant": copy.deepcopy(self.invariant),
            "verification": copy.deepcopy(self.verification),
            "wrk": None if self.wrk is None else self.wrk.to_dict(WRK_ORDER),
            "app_log": self.app_log,
            "host": host_to_dict(self.host, self.host_unavailable),
        }
        if self.memory is not None:
            record["memory"] = self.memory.to_dict()
        elif self.memory_unavailable is not None:
            record["memory"] = {"unavailable": self.memory_unavailable}
        if self.node is not None:
            record["node"] = self.node
        if self.shard is not None:
            record["shard"] = self.shard
        return record

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrialRecord:
        """Inverse of to_dict; raises ValueError naming the first bad key."""
        schema_version = version(data, TRIAL_SCHEMA_VERSION)
        errors = required(data, "errors", dict, null=True)
        latency = required(data, "latency_us", dict, null=True)
        cpu = required(data, "cpu", dict)
        wrk = required(data, "wrk", dict, null=True)
        rps = required(data, "rps", NUMBER, null=True)
        return cls(
            schema_version=schema_version,
            index=required(data, "index", int),
            status=_status(required(data, "status", str)),
            reason=required(data, "reason", str, null=True),
            app=required(data, "app", str),
            scenario=required(data, "scenario", str),
            connections=required(data, "connections", int),
            repetition=required(data, "repetition", int),
            threads=required(data, "threads", int),
            duration_s=float(required(data, "duration_s", NUMBER)),
            started_at=required(data, "started_at", str),
            finished_at=required(data, "finished_at", str),
            rps=None if rps is None else float(rps),
            requests=required(data, "requests", int, null=True),
            ok_responses=required(data, "ok_responses", int, null=True),
            errors=None if errors is None else WrkErrors.from_dict(errors, path="errors."),
            latency_us=None if latency is None else Latency.from_dict(latency, path="latency_us."),
            cpu={
                role: None if cpu.get(role) is None else CpuUse.from_dict(cpu[role])
                for role in (*CPU_ROLES, *(role for role in STORE_ROLES if role in cpu))
            },
            invariant=required(data, "invariant", dict, null=True),
            verification=required(data, "verification", dict, null=True),
            wrk=None if wrk is None else ExecRecord.from_dict(wrk, "wrk"),
            app_log=required(data, "app_log", str, null=True),
            **host_from_dict(optional(data, "host", dict)),
            **_memory_from_dict(optional(data, "memory", dict)),
            node=optional(data, "node", str),
            shard=optional(data, "shard", str),
        )


def failed_record(
    *,
    index: int,
    app: str,
    scenario: str,
    connections: int,
    repetition: int,
    threads: int,
    duration_s: float,
    started_at: str,
    finished_at: str,
    reason: str,
    wrk: ExecRecord | None = None,
    cpu: Mapping[str, CpuUse | None] | None = None,
    host: HostEvidence | None = None,
    host_unavailable: str | None = None,
    memory: ContainerMemory | None = None,
    memory_unavailable: str | None = None,
    invariant: Mapping[str, Any] | None = None,
    verification: Mapping[str, Any] | None = None,
    app_log: str | None = None,
) -> TrialRecord:
    """The record of a trial that failed without a usable wrk result (e.g. a start failure)."""
    return TrialRecord(
        index=index,
        status="failed",
        reason=reason,
        app=app,
        scenario=scenario,
        connections=connections,
        repetition=repetition,
        threads=threads,
        duration_s=duration_s,
        started_at=started_at,
        finished_at=finished_at,
        rps=None,
        requests=None,
        ok_responses=None,
        errors=None,
        latency_us=None,
        cpu=_all_roles(cpu),
        invariant=None if invariant is None else copy.deepcopy(dict(invariant)),
        verification=None if verification is None else copy.deepcopy(dict(verification)),
        wrk=wrk,
        app_log=app_log,
        host=host,
        host_unavailable=host_unavailable,
        memory=memory,
        memory_unavailable=memory_unavailable,
    )


def _memory_from_dict(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """The `memory` and `memory_unavailable` fields from a record's `memory` object."""
    if data is None:
        return {}
    if "unavailable" in data:
        return {"memory_unavailable": required(data, "unavailable", str, "memory")}
    try:
        return {"memory": ContainerMemory.from_dict(data)}
    except ValueError as exc:
        raise ValueError(f"trial record: {exc}") from exc


def host_to_dict(host: HostEvidence | None, unavailable: str | None) -> JsonObject | None:
    """A window's `host` object: the evidence, or why there is none (null before both)."""
    if host is not None:
        return host.to_dict()
    return None if unavailable is None else {"unavailable": unavailable}


def host_from_dict(
    data: Mapping[str, Any] | None, where: str = "host", what: str = "trial record"
) -> dict[str, Any]:
    """The `host` and `host_unavailable` fields from a file's `host` object."""
    if data is None:
        return {}
    if "unavailable" in data:
        return {"host_unavailable": required(data, "unavailable", str, where)}
    try:
        return {"host": HostEvidence.from_dict(data)}
    except ValueError as exc:
        raise ValueError(f"{what}: {exc}") from exc


def _all_roles(cpu: Mapping[str, CpuUse | None] | None) -> dict[str, CpuUse | None]:
    given = dict(cpu or {})
    unknown = set(given) - set(CPU_ROLES) - set(STORE_ROLES)
    if unknown:
        raise ValueError(f"unknown CPU roles {sorted(unknown)}; expected some of {CPU_ROLES}")
    stores = [role for role in STORE_ROLES if role in given]
    return {role: given.get(role) for role in (*CPU_ROLES, *stores)}


def _cpu_to_dict(use: CpuUse | None) -> dict[str, float | int | None] | None:
    return None if use is None else use.to_dict()


def _status(text: str) -> Status:
    if text == "ok":
        return "ok"
    if text == "failed":
        return "failed"
    raise ValueError(f"trial record: status must be 'ok' or 'failed', got {text!r}")
