"""A second ranking per scenario and level, by efficiency: ok responses per app CPU second.

The speed ranking (lab.report.ranking) already fills a terminal's 80 columns, and the
order by cost is not the order by speed (an app that answers faster on more CPU may
answer each request at a higher price), so the cost gets a ranking of its own rather than
columns squeezed beside the speed. Cheapest first; memory beside it, since a cheap app
may be a large one.
"""

from __future__ import annotations

from collections.abc import Mapping

from lab.report.costrows import memory_peak_end, per_worker
from lab.report.ranking import Ranking, deployments_of, shared_level
from lab.report.rows import level_title, levels
from lab.results.costdoc import CostFigure
from lab.results.summarydoc import Summary, SummaryCell
from lab.text import (
    DASH,
    TIMES,
    UNKNOWN,
    format_level,
    format_rate,
    format_ratio,
)

EFFICIENCY_LEGEND = (
    "req/CPU-s: ok responses per second of the app's CPU time over the window, median of the"
    " trials, with its order-statistic interval (its inverse, CPU ms per request, is in the"
    " report and summary.json); /best: over the most"
    " efficient's; MiB peak/end: the app container's memory at its peak and at the end of the"
    " window; MiB/worker: the median worker's proportional set (PSS), times the workers"
)


# No column of CPU ms per request: the inverse of req/CPU-s, it would say the same twice,
# and without it the ranking fits the terminal's 80 columns.
LABELS = ("#", "app", "req/CPU-s", "CI", "/best", "MiB peak/end", "MiB/worker")


def efficiency_rankings(
    summary: Summary, deployments: Mapping[str, str] | None = None
) -> list[Ranking]:
    """A ranking per scenario and level, most ok responses per CPU second first; none when
    no cell of the summary has a cost (a summary written before the lab measured it)."""
    if not any(cell.cost is not None for cell in summary.cells):
        return []
    found = []
    for block in levels(summary):
        cells = by_efficiency(summary, block)
        best = _efficiency(cells[0]) if cells else None
        intervals = [f.ci for c in cells if (f := _figure(c, "requests_per_cpu_s")) and f.ci]
        level = shared_level([ci.level for ci in intervals])
        labels = (*LABELS[:3], "CI" if level is None else f"CI {format_level(level)}", *LABELS[4:])
        rows = tuple(
            (
                str(place),
                cell.app,
                format_rate(_efficiency(cell)),
                _interval(cell, level),
                _of_best(_efficiency(cell), best),
                UNKNOWN if cell.cost is None else memory_peak_end(cell.cost),
                UNKNOWN if cell.cost is None else per_worker(cell.cost),
            )
            for place, cell in enumerate(cells, start=1)
        )
        title = f"{level_title(*block)}, by efficiency"
        found.append(Ranking(title, labels, rows, deployments_of(cells, deployments)))
    return found


def by_efficiency(summary: Summary, level: tuple[str, int]) -> list[SummaryCell]:
    """A block's cells, most ok responses per CPU second first; unmeasured ones last."""
    cells = [cell for cell in summary.cells if cell.level == level]
    return sorted(cells, key=lambda cell: _efficiency(cell) or -1.0, reverse=True)


def _efficiency(cell: SummaryCell) -> float | None:
    return _median(cell, "requests_per_cpu_s")


def _median(cell: SummaryCell, name: str) -> float | None:
    return None if cell.cost is None else cell.cost.median(name)


def _figure(cell: SummaryCell, name: str) -> CostFigure | None:
    return None if cell.cost is None else cell.cost.figure(name)


def _interval(cell: SummaryCell, shown_level: float | None) -> str:
    """The interval; its level only when the header does not say it (fewer readings)."""
    figure = _figure(cell, "requests_per_cpu_s")
    if figure is None or figure.ci is None:
        return UNKNOWN
    ci = figure.ci
    text = f"{format_rate(ci.low)}{DASH}{format_rate(ci.high)}"
    return text if ci.level == shown_level else f"{text} ({format_level(ci.level)})"


def _of_best(value: float | None, best: float | None) -> str:
    if value is None or not best:
        return UNKNOWN
    return f"{format_ratio(value / best)}{TIMES}"
