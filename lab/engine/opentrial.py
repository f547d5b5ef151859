"""Open mode on the engine: the generator's own ceiling, and one sweep of offered rates.

A sweep: start the app → wait until it answers → verify its answers → for each rate,
lowest first: the generator (warmup, then the measured window, then the window's last
answers) with the host's evidence and each role's CPU around it, and the stall injector
if asked → is the app still alive? → the point, written at once → remove the app. The
generator runs in the run's load container, on wrk's CPUs. The app's start, checks,
readings and removal are lab.engine.lifecycle's, as for a closed-loop trial, and so is
the rule for failures: the app's only when the run's own ground is whole (else
GroundLost, and the sweep is not recorded).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from lab.engine.generators.openload import OpenLoad
from lab.engine.lifecycle import AppFailed, RunningApp, TrialFailed, running_app
from lab.engine.port import Clock, Stack
from lab.measure.openjson import invalid_because
from lab.model.catalog import CEILING
from lab.model.openload import (
    CEILING_STEP_S,
    CEILING_WARMUP_S,
    RateSpec,
    Sweep,
    ceiling_rates,
)
from lab.model.plan import Blueprint
from lab.results.openrecords import OpenPoint, OpenSweep, measured_point
from lab.results.records import host_to_dict

# Sweep n's containers are numbered SWEEP_BASE + n (app-10003), the generator ceiling's
# SWEEP_BASE: apart from the closed-loop trials' 1, 2, ... and the harness ceiling's 0.
SWEEP_BASE = 10_000


def open_connections(plan: Blueprint) -> int:
    """The generator's connections: the run's highest level, enough to carry any rate the
    app served closed-loop at that level."""
    return max(plan.connections)


def open_load(plan: Blueprint, rate: float, warmup_s: float) -> OpenLoad:
    return OpenLoad(rate, open_connections(plan), plan.threads, warmup_s, plan.config.timeout_s)


def run_sweep(
    stack: Stack,
    sweep: Sweep,
    rates: Sequence[tuple[RateSpec, float | None]],
    plan: Blueprint,
    images: Mapping[str, str],
    clock: Clock,
    written: Callable[[OpenSweep], None],
) -> OpenSweep:
    """Offer each of `rates` (as asked, and in requests/s or None) to a fresh app.

    `written` gets the sweep after each point, so every finished point is on disk.
    """
    record = OpenSweep(
        sweep.index,
        sweep.app,
        sweep.scenario,
        sweep.repetition,
        open_connections(plan),
        plan.threads,
        "running",
        started_at=clock.now(),
    )
    points: list[OpenPoint] = []
    index = SWEEP_BASE + sweep.index
    try:
        with running_app(stack, plan, images, clock, sweep.app, index, sweep.scenario) as app:
            record = replace(record, verification=app.verification)
            for position, (spec, rate) in enumerate(rates, start=1):
                if rate is None:
                    points.append(_unscaled(position, spec, sweep))
                else:
                    points.append(_point(app, position, spec, rate, plan, clock))
                written(replace(record, points=tuple(points)))
                alive, state = app.alive()
                if not alive:
                    raise TrialFailed(f"app container {state} at {spec.label}")
        record = replace(record, status="complete", points=tuple(points), finished_at=clock.now())
    except AppFailed as failed:
        record = replace(
            record,
            status="failed",
            reason=failed.reason,
            points=tuple(points),
            finished_at=clock.now(),
            app_log=failed.log,
        )
    written(record)
    return record


def _unscaled(position: int, spec: RateSpec, sweep: Sweep) -> OpenPoint:
    """The point of a percentage rate with no closed-loop throughput to take it of."""
    return OpenPoint(
        position,
        spec.label,
        None,
        "failed",
        f"no closed-loop throughput of {sweep.app} {sweep.scenario} to take {spec.label} of",
    )


def _point(
    app: RunningApp,
    position: int,
    spec: RateSpec,
    rate: float,
    plan: Blueprint,
    clock: Clock,
) -> OpenPoint:
    config = plan.config
    started = clock.now()
    measured = app.measure(open_load(plan, rate, config.warmup_s), config.duration_s)
    stalls = measured.stalls
    return measured_point(
        position,
        spec.label,
        rate,
        measured.run,
        started,
        clock.now(),
        stalls=None if stalls is None else stalls.stalls,
        stall_error=None if stalls is None else stalls.error,
        cpu=measured.cpu,
        **measured.host_fields(),
    )


def measure_generator_ceiling(
    stack: Stack,
    plan: Blueprint,
    images: Mapping[str, str],
    clock: Clock,
    say: Callable[[str], None],
) -> dict[str, Any]:
    """The highest rate the generator holds against the static server, on its CPUs.

    Doubling rates until one is not held (under 99% achieved, anything dropped or lost,
    or the generator's own p99 lag over its bound); the ceiling is the last one held.
    """
    steps: list[dict[str, Any]] = []
    held: float | None = None
    reason = None
    try:
        with running_app(stack, plan, images, clock, CEILING.name, SWEEP_BASE, "hello") as app:
            for rate in ceiling_rates():
                step = _ceiling_step(app, plan, rate)
                steps.append(step)
                say(
                    f"generator ceiling: {rate:,.0f} req/s "
                    + ("held" if step["held"] else f"not held ({step['reason']})")
                )
                if not step["held"]:
                    break
                held = rate
    except AppFailed as failed:
        reason = failed.reason
    return {
        "server": CEILING.description,
        "rps": held,
        "bounded": bool(steps) and not steps[-1]["held"],
        "reason": reason,
        "steps": steps,
    }


def _ceiling_step(app: RunningApp, plan: Blueprint, rate: float) -> dict[str, Any]:
    measured = app.measure(open_load(plan, rate, CEILING_WARMUP_S), CEILING_STEP_S)
    step: dict[str, Any] = {"rate_rps": rate, "generator": measured.run.to_dict()}
    result = measured.result
    if result is None:
        step.update(held=False, reason=measured.output_error)
    else:
        why = invalid_because(result, rate)
        step.update(
            achieved_rps=round(result.achieved_rps, 1),
            lag_p99_us=result.lag_p99_us,
            held=why is None,
            reason=why,
        )
    step["host"] = host_to_dict(measured.host, measured.host_unavailable)
    return step
