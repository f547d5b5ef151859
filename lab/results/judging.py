"""A trial's record judged from wrk's output: ok, or failed and every reason why.

Error counters never fail a trial, they are data; only wrk's own failure (unusable output,
a non-zero exit), a broken /hit invariant or what the caller found (a wrong answer, an
app that died) do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from lab.measure.cpu import CpuUse
from lab.measure.hostcpu import HostEvidence
from lab.measure.memory import ContainerMemory
from lab.measure.wrkjson import WrkOutputError, parse_wrk_output
from lab.results.execrecord import ExecRecord
from lab.results.jsonfields import JsonObject
from lab.results.records import TrialRecord, failed_record

HIT_INVARIANT_RULE = "ok <= delta <= ok + other + connections"


def check_hit_invariant(
    ok_responses: int,
    counter_before: int,
    counter_after: int,
    connections: int,
    other: int = 0,
) -> JsonObject:
    """Did the /hit counter rise once per successful response?

    Every ok response was counted, hence the lower bound. Above it, the server may have
    counted requests wrk saw no ok answer to: up to one per connection still waiting when
    wrk stopped, and `other` — responses that were not ok, and requests lost with their
    connection (read and write errors) — since the app may have counted them first.
    """
    delta = counter_after - counter_before
    return {
        "rule": HIT_INVARIANT_RULE,
        "ok_responses": ok_responses,
        "other": other,
        "counter_before": counter_before,
        "counter_after": counter_after,
        "delta": delta,
        "holds": ok_responses <= delta <= ok_responses + other + connections,
    }


def record_from_wrk(
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
    wrk: ExecRecord,
    cpu: Mapping[str, CpuUse | None] | None = None,
    host: HostEvidence | None = None,
    host_unavailable: str | None = None,
    memory: ContainerMemory | None = None,
    memory_unavailable: str | None = None,
    counter_before: int | None = None,
    counter_after: int | None = None,
    verification: Mapping[str, Any] | None = None,
    failure: str | None = None,
    app_log: str | None = None,
) -> TrialRecord:
    """The record of a trial whose wrk run finished: parses `wrk.stdout` itself.

    The trial is "failed" when wrk's output is unusable or wrk exited non-zero, when the
    /hit invariant (checked if both counters are given) does not hold, or when
    `failure` says why the caller found it failed (a wrong answer, an app that died).
    `app_log` is kept for a failed trial and for one whose wrk counted errors.
    """
    if (counter_before is None) != (counter_after is None):
        raise ValueError("give both counter_before and counter_after, or neither")
    # Built as a failure first so both outcomes share one typed constructor call.
    base = failed_record(
        index=index,
        app=app,
        scenario=scenario,
        connections=connections,
        repetition=repetition,
        threads=threads,
        duration_s=duration_s,
        started_at=started_at,
        finished_at=finished_at,
        reason="wrk output not read yet",
        wrk=wrk,
        cpu=cpu,
        host=host,
        host_unavailable=host_unavailable,
        memory=memory,
        memory_unavailable=memory_unavailable,
        verification=verification,
        app_log=app_log,
    )
    reasons = [] if wrk.exit_code == 0 else [_exit_reason(wrk.exit_code)]
    try:
        result = parse_wrk_output(wrk.stdout)
    except WrkOutputError as exc:
        reasons.append(f"unusable wrk output: {exc}")
        reasons.extend(_failure_reasons(failure))
        return replace(base, reason="; ".join(reasons))

    invariant = None
    if counter_before is not None and counter_after is not None:
        other = result.requests - result.ok_responses + result.errors.read + result.errors.write
        invariant = check_hit_invariant(
            result.ok_responses, counter_before, counter_after, connections, other
        )
        if not invariant["holds"]:
            reasons.append(_invariant_reason(invariant, connections))
    reasons.extend(_failure_reasons(failure))
    failed = bool(reasons)
    return replace(
        base,
        status="failed" if failed else "ok",
        reason="; ".join(reasons) if failed else None,
        rps=result.rps,
        requests=result.requests,
        ok_responses=result.ok_responses,
        errors=result.errors,
        latency_us=result.latency_us,
        invariant=invariant,
        # The log explains a failure, and errors in an ok trial (a 503's reason).
        app_log=app_log if failed or result.errors.total else None,
    )


def _exit_reason(exit_code: int | None) -> str:
    if exit_code is None:
        return "wrk did not exit by itself"
    return f"wrk exited with code {exit_code}"


def _invariant_reason(invariant: Mapping[str, Any], connections: int) -> str:
    ok = invariant["ok_responses"]
    return (
        f"/hit invariant failed: the counter rose by {invariant['delta']} for {ok} ok responses,"
        f" expected {ok} to {ok + invariant.get('other', 0) + connections} ({HIT_INVARIANT_RULE})"
    )


def _failure_reasons(failure: str | None) -> list[str]:
    return [] if failure is None else [f"verification failed: {failure}"]
