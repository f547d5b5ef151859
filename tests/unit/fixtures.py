"""Builders shared by the unit tests: wrk output, Docker stats snapshots, trial records;
and the one shape every usage error must have."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from lab.errors import EXIT_USAGE, UsageError
from lab.measure.cpu import CpuUse
from lab.measure.hostcpu import KINDS, CpuEvidence, HostEvidence
from lab.measure.memory import ContainerMemory
from lab.results.execrecord import ExecRecord
from lab.results.findings import Finding
from lab.results.judging import record_from_wrk
from lab.results.records import TrialRecord, failed_record

# What wrk 4.2 prints for a 5 s run, followed by the line our Lua done() hook adds.
WRK_HUMAN_TEXT = """\
Running 5s test @ http://app:8000/hello
  4 threads and 200 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     6.12ms  900.25us  40.00ms   88.00%
    Req/Sec     7.50k   500.00     8.20k    70.00%
  Latency Distribution
     50%    6.00ms
     75%    6.50ms
     90%    7.00ms
     99%    9.00ms
  150000 requests in 5.00s, 20.03MB read
  Non-2xx or 3xx responses: 12
Requests/sec:  29993.10
Transfer/sec:      4.00MB
"""

WRK_COMMAND = ("wrk", "-t4", "-c200", "-d5s", "-s", "/lab/report.lua", "http://app:8000/hello")


def wrk_payload(**overrides: Any) -> dict[str, Any]:
    """The JSON object of the brief's example line, with top-level keys replaced."""
    payload: dict[str, Any] = {
        "schema": "lab.wrk/1",
        "duration_us": 5001234,
        "requests": 150000,
        "bytes": 21000000,
        "errors": {"connect": 0, "read": 0, "write": 0, "status": 12, "timeout": 0},
        "latency_us": {
            "min": 80,
            "mean": 6123.5,
            "stdev": 900.25,
            "max": 40000,
            "p50": 6000,
            "p75": 6500,
            "p90": 7000,
            "p99": 9000,
            "p99_9": 15000,
        },
    }
    payload.update(overrides)
    return payload


def wrk_stdout(payload: dict[str, Any] | None = None, human: str = WRK_HUMAN_TEXT) -> str:
    line = json.dumps(wrk_payload() if payload is None else payload, separators=(",", ":"))
    return f"{human}{line}\n"


def invocation(stdout: str, exit_code: int | None = 0, stderr: str = "") -> ExecRecord:
    return ExecRecord(command=WRK_COMMAND, stdout=stdout, stderr=stderr, exit_code=exit_code)


def docker_stats(
    read: str,
    total_usage: int,
    periods: int = 0,
    throttled_periods: int = 0,
    throttled_time: int = 0,
) -> dict[str, Any]:
    """The parts of a cgroup v1 `container.stats(stream=False)` dict that lab reads."""
    return {
        "read": read,
        "preread": "0001-01-01T00:00:00Z",
        "cpu_stats": {
            "cpu_usage": {"total_usage": total_usage, "usage_in_kernelmode": 0},
            "system_cpu_usage": 123456789000000,
            "online_cpus": 4,
            "throttling_data": {
                "periods": periods,
                "throttled_periods": throttled_periods,
                "throttled_time": throttled_time,
            },
        },
    }


def cpu(share: float, throttled_periods: int = 0) -> CpuUse:
    """A CpuUse over a 1 s window of one CPU, so used_s equals share."""
    return CpuUse(
        cpus=1.0,
        used_s=share,
        window_s=1.0,
        share=share,
        periods=10,
        throttled_periods=throttled_periods,
        throttled_s=throttled_periods * 0.01,
    )


def trial(
    index: int,
    app: str = "flask",
    scenario: str = "hello",
    connections: int = 200,
    rps: int = 1000,
    status_errors: int = 0,
    timeouts: int = 0,
    latency: dict[str, float] | None = None,
    cpu_app: CpuUse | None = None,
    memory: ContainerMemory | None = None,
    memory_unavailable: str | None = None,
) -> TrialRecord:
    """An ok trial whose wrk run lasted exactly 1 s, so its rps is `rps`."""
    payload = wrk_payload(
        duration_us=1_000_000,
        requests=rps + status_errors + timeouts,
        errors={"connect": 0, "read": 0, "write": 0, "status": status_errors, "timeout": timeouts},
    )
    payload["latency_us"].update(latency or {})
    return record_from_wrk(
        index=index,
        app=app,
        scenario=scenario,
        connections=connections,
        repetition=index,
        threads=4,
        duration_s=1.0,
        started_at="2026-11-25T01:00:00+00:00",
        finished_at="2026-11-25T01:00:01+00:00",
        wrk=invocation(wrk_stdout(payload)),
        cpu={"app": cpu_app},
        memory=memory,
        memory_unavailable=memory_unavailable,
    )


def failed_trial(
    index: int, app: str = "flask", scenario: str = "hello", connections: int = 200
) -> TrialRecord:
    return failed_record(
        index=index,
        app=app,
        scenario=scenario,
        connections=connections,
        repetition=index,
        threads=4,
        duration_s=1.0,
        started_at="2026-11-25T01:00:00+00:00",
        finished_at="2026-11-25T01:00:01+00:00",
        reason="app container exited with code 1",
        app_log="Traceback (most recent call last): ...",
    )


def usage_error(excinfo: pytest.ExceptionInfo[UsageError], *parts: str) -> None:
    """The error is a one-line message naming every part, with a one-line hint."""
    error = excinfo.value
    assert error.exit_code == EXIT_USAGE
    for part in parts:
        assert part in error.message, (part, error.message)
    assert error.hint
    assert "\n" not in error.message
    assert "\n" not in error.hint


CELL = {"app": "aio", "scenario": "hello", "connections": 200}


def finding(severity: Any = "warning", code: str = "high-cv", **fields: Any) -> Finding:
    """A finding about CELL, by default the high-CV warning; `fields` override."""
    values: dict[str, Any] = {
        "message": "hello @200 aio: CV 19.1% over 5 trials is above 5%.",
        "remedy": "Run ≥ 59 repetitions (--repetitions 59).",
        "cell": dict(CELL),
    }
    values.update(fields)
    return Finding(severity, code, **values)


def evidence(
    cpus: Sequence[tuple[int, Sequence[str], Mapping[str, float]]],
    window_s: float = 8.0,
    controller_share: float = 0.001,
    busy_s: float = 0.0,
) -> HostEvidence:
    """Host evidence of one window: each (cpu, roles, {kind: share}), every CPU busy for
    `busy_s` besides its foreign time."""

    def cpu(number: int, roles: Sequence[str], shares: Mapping[str, float]) -> CpuEvidence:
        seconds = {kind: shares.get(kind, 0.0) * window_s for kind in KINDS}
        return CpuEvidence(
            cpu=number,
            roles=tuple(roles),
            busy_s=busy_s + seconds["foreign"],
            run_s=busy_s,
            foreign_s=seconds["foreign"],
            softirq_s=seconds["softirq"],
            steal_s=seconds["steal"],
            window_s=window_s,
        )

    return HostEvidence(
        window_s=window_s,
        cpus=tuple(cpu(*entry) for entry in cpus),
        controller_s=controller_share * window_s,
        attribution="per-cpu",
    )
