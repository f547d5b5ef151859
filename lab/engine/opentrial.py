"""Open mode on the engine: the generator's own ceiling, and one sweep of offered rates.

A sweep: start the app → wait until it answers → verify its answers → for each rate,
lowest first: the generator (warmup, then the measured window, then the window's last
answers) with the stall injector if asked → is the app still alive? → the point, written
at once → remove the app. The generator runs in the run's load container, on wrk's CPUs.
Failures follow the closed-loop trial's rule: the app's only when the run's own ground is
whole (else GroundLost, and the sweep is not recorded).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from lab.engine.port import Clock, Container, LoadClient, Stack, StackError
from lab.engine.stall import StallInjector
from lab.engine.trial import (
    TrialFailed,
    app_settings,
    failure_reason,
    unless_ground_lost,
    wait_ready,
)
from lab.images.containers import AppSettings
from lab.measure.openjson import invalid_because, parse_open_output
from lab.measure.verify import VERIFIERS
from lab.model.catalog import CEILING, SCENARIOS
from lab.model.openload import (
    CEILING_STEP_S,
    CEILING_WARMUP_S,
    RateSpec,
    Sweep,
    ceiling_rates,
)
from lab.model.plan import Blueprint
from lab.results.openrecords import OpenPoint, OpenSweep, measured_point

GENERATOR = "openload"
# Sweep n's containers are numbered SWEEP_BASE + n (app-10003), the generator ceiling's
# SWEEP_BASE: apart from the closed-loop trials' 1, 2, ... and the harness ceiling's 0.
SWEEP_BASE = 10_000


def generator_command(
    url: str,
    rate: float,
    connections: int,
    threads: int,
    warmup_s: float,
    duration_s: float,
    timeout_s: float,
) -> list[str]:
    return [
        GENERATOR,
        "-R",
        f"{rate:.3f}",
        "-c",
        str(connections),
        "-t",
        str(min(threads, connections)),
        "-w",
        f"{warmup_s:g}",
        "-d",
        f"{duration_s:g}",
        "--timeout",
        f"{timeout_s:g}",
        url,
    ]


def open_connections(plan: Blueprint) -> int:
    """The generator's connections: the run's highest level, enough to carry any rate the
    app served closed-loop at that level."""
    return max(plan.connections)


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
    connections = open_connections(plan)
    record = OpenSweep(
        sweep.index,
        sweep.app,
        sweep.scenario,
        sweep.repetition,
        connections,
        plan.threads,
        "running",
        started_at=clock.now(),
    )
    settings = app_settings(plan, sweep.app, images)
    container: Container | None = None
    load: LoadClient | None = None
    points: list[OpenPoint] = []
    try:
        container, load, verification = _ready_app(stack, sweep.index, settings, sweep, plan, clock)
        record = replace(record, verification=verification)
        url = load.base_url + SCENARIOS[sweep.scenario].path
        for position, (spec, rate) in enumerate(rates, start=1):
            if rate is None:
                points.append(
                    OpenPoint(
                        position,
                        spec.label,
                        None,
                        "failed",
                        f"no closed-loop throughput of {sweep.app} {sweep.scenario} to take"
                        f" {spec.label} of",
                    )
                )
            else:
                points.append(
                    _point(stack, container, load, url, position, spec, rate, plan, clock)
                )
            written(replace(record, points=tuple(points)))
            alive, state = stack.is_running(container)
            if not alive:
                raise TrialFailed(f"app container {state} at {spec.label}")
        record = replace(record, status="complete", points=tuple(points), finished_at=clock.now())
    except (TrialFailed, StackError) as exc:
        unless_ground_lost(stack, load)
        record = replace(
            record,
            status="failed",
            reason=failure_reason(exc)[:500],
            points=tuple(points),
            finished_at=clock.now(),
            app_log=stack.log_tail(container) if container is not None else None,
        )
    except KeyboardInterrupt:
        container = load = None  # the run's clean-up removes them all at once
        raise
    finally:
        if load is not None and load.owned:
            stack.remove(load.container)
        if container is not None:
            stack.remove(container)
    written(record)
    return record


def _ready_app(
    stack: Stack,
    index: int,
    settings: AppSettings,
    sweep: Sweep,
    plan: Blueprint,
    clock: Clock,
) -> tuple[Container, LoadClient, dict[str, Any]]:
    """A started app that answers correctly, its load client, and what was checked."""
    config = plan.config
    container = stack.start_app(SWEEP_BASE + index, settings, plan.placement.app)
    verification: dict[str, Any] = {
        "applied": stack.applied_limits(container),
        "isolation": stack.isolation_facts(container),
        "network_path": plan.network_path,
    }
    load = stack.load_for(container, SWEEP_BASE + index)
    wait_ready(stack, container, load, config.ready_timeout_s, clock)
    scenario = SCENARIOS[sweep.scenario]
    if scenario.uses_redis:
        stack.reset_counter()
    report = stack.probe(
        "fetch", load.base_url + scenario.path, "--requests", "2", on=load.container
    )
    problems = VERIFIERS[sweep.scenario](report) if sweep.app != CEILING.name else []
    verification.update({"report": report, "problems": problems})
    if problems:
        raise TrialFailed("verification failed: " + "; ".join(problems))
    return container, load, verification


def _point(
    stack: Stack,
    app: Container,
    load: LoadClient,
    url: str,
    position: int,
    spec: RateSpec,
    rate: float,
    plan: Blueprint,
    clock: Clock,
) -> OpenPoint:
    config = plan.config
    command = generator_command(
        url,
        rate,
        open_connections(plan),
        plan.threads,
        config.warmup_s,
        config.duration_s,
        config.timeout_s,
    )
    started = clock.now()
    stalls: list[tuple[float, float]] | None = None
    if config.inject_stall is not None:
        with StallInjector(
            stack, app, config.inject_stall, config.duration_s, lead_s=config.warmup_s
        ) as stall:
            output = stack.exec_load(command, on=load.container)
        stalls = stall.stalls
    else:
        output = stack.exec_load(command, on=load.container)
    return measured_point(position, spec.label, rate, output, started, clock.now(), stalls)


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
    config = plan.config
    sweep = Sweep(0, CEILING.name, "hello", 1)
    settings = app_settings(plan, CEILING.name, images)
    container: Container | None = None
    load: LoadClient | None = None
    steps: list[dict[str, Any]] = []
    held: float | None = None
    try:
        container, load, _ = _ready_app(stack, 0, settings, sweep, plan, clock)
        url = load.base_url + SCENARIOS["hello"].path
        for rate in ceiling_rates():
            command = generator_command(
                url,
                rate,
                open_connections(plan),
                plan.threads,
                CEILING_WARMUP_S,
                CEILING_STEP_S,
                config.timeout_s,
            )
            output = stack.exec_load(command, on=load.container)
            step: dict[str, Any] = {
                "rate_rps": rate,
                "generator": output.to_dict(),
            }
            try:
                result = parse_open_output(output.stdout)
                why = invalid_because(result, rate)
                step.update(
                    achieved_rps=round(result.achieved_rps, 1),
                    lag_p99_us=result.lag_p99_us,
                    held=why is None,
                    reason=why,
                )
            except ValueError as exc:
                step.update(held=False, reason=str(exc))
            steps.append(step)
            say(
                f"generator ceiling: {rate:,.0f} req/s "
                + ("held" if step["held"] else f"not held ({step['reason']})")
            )
            if not step["held"]:
                break
            held = rate
        reason = None
    except (TrialFailed, StackError) as exc:
        unless_ground_lost(stack, load)
        reason = failure_reason(exc)
    finally:
        if load is not None and load.owned:
            stack.remove(load.container)
        if container is not None:
            stack.remove(container)
    return {
        "server": CEILING.description,
        "rps": held,
        "bounded": bool(steps) and not steps[-1]["held"],
        "reason": reason,
        "steps": steps,
    }
