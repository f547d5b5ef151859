"""A cell's cost of serving as table rows: CPU per request, requests per CPU second, memory.

Beside the speed rows of the side-by-side table (lab.report.rows) and in the efficiency
ranking (lab.report.efficiency). A summary written before the lab measured cost, or a
figure it could not measure (memory on a remote engine), shows a dash.
"""

from __future__ import annotations

from lab.results.costdoc import CellCost, CostFigure
from lab.results.summarydoc import SummaryCell
from lab.text import DASH, UNKNOWN, format_cpu_ms, format_level, format_mib, format_rate

COST_LABELS = ("app CPU ms/req", "req/CPU-s", "MiB peak/end", "MiB/worker")


def cost_column(cell: SummaryCell) -> tuple[str, ...]:
    """One app's values for COST_LABELS, in order."""
    cost = cell.cost
    if cost is None:
        return (UNKNOWN,) * len(COST_LABELS)
    shown = None if cell.rps_ci is None else cell.rps_ci.level
    return (
        cpu_per_request(cost.figure("cpu_ms_per_request"), shown),
        format_rate(cost.median("requests_per_cpu_s")),
        memory_peak_end(cost),
        per_worker(cost),
    )


def cpu_per_request(figure: CostFigure | None, shown_level: float | None) -> str:
    """ "0.374 (0.347-0.467)": the median and its interval, whose level is said only when it
    is not the level already shown for req/s (a trial without CPU readings)."""
    if figure is None:
        return UNKNOWN
    text = format_cpu_ms(figure.median)
    ci = figure.ci
    if ci is None:
        return text
    level = "" if ci.level == shown_level else f"{format_level(ci.level)}: "
    return f"{text} ({level}{format_cpu_ms(ci.low)}{DASH}{format_cpu_ms(ci.high)})"


def memory_peak_end(cost: CellCost) -> str:
    """ "121/98": the container's median peak and its usage at the end of the window."""
    peak, end = cost.median("memory_peak_mib"), cost.median("memory_end_mib")
    if peak is None and end is None:
        return UNKNOWN
    return f"{format_mib(peak)}/{format_mib(end)}"


def per_worker(cost: CellCost) -> str:
    """ "40.2 x2" (with a multiplication sign): the median worker's proportional set, and
    how many workers there were."""
    worker = cost.median("worker_mib")
    if worker is None:
        return UNKNOWN
    count = "" if cost.workers is None else f" \N{MULTIPLICATION SIGN}{cost.workers:g}"
    return format_mib(worker) + count
