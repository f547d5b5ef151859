"""The cost of serving: what each ok trial's answers cost the app, and a cell's median.

Per trial, over one span: the app container's CPU time between the two readings taken
right around the load generator's run (its run plus the exec's set-up, a few
milliseconds; lab.engine.window), against the ok responses the generator counted in
that run. So `cpu_ms_per_request` is app CPU milliseconds per ok response and
`requests_per_cpu_s` its inverse, ok responses per app CPU second: a response that failed
cost CPU without counting, and the requests still in flight when the generator stopped
(at most one per connection) cost CPU uncounted, a bias of connections / responses.
With CPU read from the engine's stats instead of the cgroup (a remote engine), the span
also holds up to a second of the idle app either side.

The memory figures are the app container's at the end of the window (lab.measure.memory):
its peak since it started, its usage at the end, the anonymous part of that, the median
worker's proportional set, and the parent's (a master), in MiB. A cell's figure is the
median over its ok trials that measured it, with the order-statistic interval as req/s
has (lab.analysis.intervals), since trials spread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lab.analysis.intervals import median_interval
from lab.analysis.stats import median
from lab.measure.memory import MIB
from lab.results.costdoc import FIGURES, CellCost, CostFigure
from lab.results.intervaldoc import StatedInterval
from lab.results.records import TrialRecord


@dataclass(frozen=True, slots=True)
class TrialCost:
    """One trial's figures, by lab.results.costdoc.FIGURES' names; None when unmeasured."""

    figures: Mapping[str, float | None]
    workers: int | None


def trial_cost(record: TrialRecord) -> TrialCost:
    """The cost figures of one trial (see the module doc for their span)."""
    figures: dict[str, float | None] = dict.fromkeys(FIGURES)
    use, ok = record.cpu.get("app"), record.ok_responses
    if use is not None and use.used_s > 0 and ok:
        figures["cpu_ms_per_request"] = use.used_s * 1000 / ok
        figures["requests_per_cpu_s"] = ok / use.used_s
    memory = record.memory
    if memory is None:
        return TrialCost(figures, None)
    worker, parent = memory.worker_bytes, memory.parent_bytes
    figures |= {
        "memory_peak_mib": _mib(memory.peak_bytes),
        "memory_end_mib": _mib(memory.current_bytes),
        "memory_anon_mib": _mib(memory.anon_bytes),
        "worker_mib": _mib(worker),
        "parent_mib": _mib(parent),
    }
    return TrialCost(figures, len(memory.workers))


def cell_cost(records: Sequence[TrialRecord]) -> CellCost | None:
    """The median cost of a cell's ok trials (in trial order); None without one."""
    if not records:
        return None
    costs = [trial_cost(record) for record in records]
    figures = {
        name: _figure([v for cost in costs if (v := cost.figures[name]) is not None])
        for name in FIGURES
    }
    workers = [cost.workers for cost in costs if cost.workers is not None]
    reasons = [r.memory_unavailable for r in records if r.memory_unavailable is not None]
    measured = any(record.memory is not None for record in records)
    return CellCost(
        figures=figures,
        workers=median(workers) if workers else None,
        memory_unavailable=None if measured else (reasons[0] if reasons else _NOT_READ),
    )


# Records written before the lab read memory say nothing of it.
_NOT_READ = "not read by the lab that made these trials"


def _figure(values: Sequence[float]) -> CostFigure | None:
    if not values:
        return None
    # One trial has no spread: its "interval" would be a point at 0% confidence.
    ci = None
    if len(values) > 1:
        found = median_interval(values)
        ci = StatedInterval(found.low, found.high, found.level, found.method)
    return CostFigure(median(values), ci, tuple(values))


def _mib(count: float | None) -> float | None:
    return None if count is None else count / MIB
