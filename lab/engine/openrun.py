"""Open mode's part of a run, after the closed-loop trials: the generator's own ceiling,
then the sweeps, each written as its points end.

A percentage rate is of the app's closed-loop throughput in this run: the median req/s
of its ok trials at the highest connection level, the level the generator also uses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from statistics import median

from lab.engine.opentrial import measure_generator_ceiling, open_connections, run_sweep
from lab.engine.session import RunSession
from lab.measure.histogram import percentiles
from lab.model.openload import RateSpec
from lab.results.openrecords import OpenPoint, OpenSweep
from lab.results.reader import read_sweeps
from lab.results.records import TrialRecord
from lab.results.store import RunStore
from lab.text import format_rate


def closed_loop_rps(
    records: Sequence[TrialRecord], app: str, scenario: str, connections: int
) -> float | None:
    """The median req/s of the app's ok closed-loop trials at `connections`."""
    rps = [
        record.rps
        for record in records
        if record.app == app
        and record.scenario == scenario
        and record.connections == connections
        and record.status == "ok"
        and record.rps is not None
    ]
    return median(rps) if rps else None


def offered_rates(
    rates: Sequence[RateSpec], closed_rps: float | None
) -> list[tuple[RateSpec, float | None]]:
    return [(spec, spec.resolve(closed_rps)) for spec in rates]


def run_open(session: RunSession) -> None:
    """The generator's ceiling (once per run), then every sweep not yet complete on disk."""
    plan, store, say = session.plan, session.store, session.say
    if session.run_doc.open_ceiling is None:
        say("generator ceiling: open loop against the static server, doubling the rate")
        ceiling = measure_generator_ceiling(session.on, plan, session.images, session.clock, say)
        store.write_open_ceiling(ceiling)
        held = ceiling["rps"]
        shown = f"{held:,.0f} req/s" if held else "not even the lowest rate held"
        say(f"generator ceiling: {shown}{'' if ceiling['bounded'] else ' (or more)'}")
        summary = {k: v for k, v in ceiling.items() if k != "steps"}
        session.learned(open_ceiling={**summary, "file": "open-ceiling.json"})
        session.write_run()
    done = {sweep.index for sweep in read_sweeps(store.run_dir) if sweep.status != "running"}
    level = open_connections(plan)
    for sweep in plan.sweeps:
        if sweep.index in done:
            continue
        basis = closed_loop_rps(session.records, sweep.app, sweep.scenario, level)
        rates = offered_rates(plan.config.rates, basis)
        say(
            f"open: sweep {sweep.index}/{len(plan.sweeps)} {sweep.app} {sweep.scenario}"
            f" #{sweep.repetition}, "
            + ", ".join(
                f"{spec.label}={format_rate(rate) if rate else '?'}" for spec, rate in rates
            )
            + " req/s"
        )
        record = run_sweep(
            session.on,
            sweep,
            rates,
            plan,
            session.images,
            session.clock,
            lambda s: _write(store, s, say),
        )
        if record.status == "failed":
            say(f"open: sweep {sweep.index} failed: {record.reason}")


def _write(store: RunStore, sweep: OpenSweep, say: Callable[[str], None]) -> None:
    """Write the sweep, and tell the point that just ended (when one did)."""
    store.write_sweep(sweep)
    if sweep.status == "running" and sweep.points:
        say("  " + point_line(sweep.points[-1]))


def point_line(point: OpenPoint) -> str:
    rate = (
        f"{point.rate_label} ({format_rate(point.rate_rps)} req/s)"
        if point.rate_rps
        else point.rate_label
    )
    result = point.result
    if result is None or not result.completed:
        return f"{rate}: {point.status}: {point.reason}"
    figures = percentiles(result.latency)
    shown = f"p50 {figures['p50'] / 1000:.1f} ms, p99 {figures['p99'] / 1000:.1f} ms"
    verdict = "ok" if point.status == "ok" else f"{point.status}: {point.reason}"
    return f"{rate}: {shown}, {format_rate(result.achieved_rps)} req/s achieved, {verdict}"
