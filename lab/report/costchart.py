"""The cost of serving as a chart: each app's req/s against what an answer cost its CPU.

One panel per scenario x connections level, a point per app at its median CPU
milliseconds per ok response (with that median's interval as a horizontal bar) and its
median req/s, labelled with the app's name and its container's memory peak. An app
up and to the left is fast and cheap; one to the right of another at the same height
spends more CPU for the same throughput. Nothing is drawn for a run from before the lab
measured the cost.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from lab.report.charts import (
    LEGEND_COLUMNS,
    app_style,
    block_title,
    chart_figure,
    chart_style,
    chart_svg,
)
from lab.report.rows import levels
from lab.results.summarydoc import Summary, SummaryCell
from lab.text import format_cpu_ms, format_mib, format_rate

# x spans this many times or more: a log scale, so that the cheap apps do not bunch.
LOG_SPAN = 8.0


def has_cost(summary: Summary) -> bool:
    """Is there a cell with CPU ms per request to draw?"""
    return any(_cpu_ms(cell) is not None for cell in summary.cells)


def cost_chart(summary: Summary) -> str:
    """req/s against app CPU ms per ok response, a panel per level; "" with no cost."""
    if not has_cost(summary):
        return ""
    apps = list(dict.fromkeys([*summary.apps, *(cell.app for cell in summary.cells)]))
    blocks = levels(summary)
    with chart_style("cost"):
        legend_rows = -(-len(apps) // LEGEND_COLUMNS)
        figure, axes = chart_figure(len(blocks), columns=1 if len(apps) > 3 else 3,
                                    legend_rows=legend_rows)  # fmt: skip
        for ax, block in zip(axes, blocks, strict=False):
            ax.set_title(block_title(block))
            cells = {cell.app: cell for cell in summary.cells if cell.level == block}
            _cost_axes(ax, apps, cells)
        handles = [
            Line2D([], [], color=app_style(n)[0], ls="", marker="o", label=app)
            for n, app in enumerate(apps)
        ]
        figure.legend(handles=handles, loc="lower center", ncols=min(len(apps), LEGEND_COLUMNS))
        return chart_svg(figure, "cost", "Requests per second against app CPU per request")


def _cost_axes(ax: Axes, apps: Sequence[str], cells: dict[str, SummaryCell]) -> None:
    xs = []
    for n, app in enumerate(apps):
        cell = cells.get(app)
        cpu_ms = None if cell is None else _cpu_ms(cell)
        if cell is None or cpu_ms is None or cell.rps_median is None:
            continue
        colour = app_style(n)[0]
        figure = cell.cost.figure("cpu_ms_per_request") if cell.cost else None
        if figure is not None and figure.ci is not None:
            ax.plot([figure.ci.low, figure.ci.high], [cell.rps_median] * 2, color=colour, lw=1.4)
        ax.plot([cpu_ms], [cell.rps_median], marker="o", ms=6, color=colour, ls="")
        peak = None if cell.cost is None else cell.cost.median("memory_peak_mib")
        label = app if peak is None else f"{app} {format_mib(peak)} MiB"
        ax.annotate(label, (cpu_ms, cell.rps_median), xytext=(4, 3),
                    textcoords="offset points", fontsize=7.5)  # fmt: skip
        xs.append(cpu_ms)
    if xs and min(xs) > 0 and max(xs) / min(xs) >= LOG_SPAN:
        ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: format_cpu_ms(v)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: format_rate(v)))
    ax.set_ylim(bottom=0)
    ax.set_xlabel("app CPU ms per ok response (median, its CI)")
    ax.set_ylabel("req/s (median)")
    ax.grid(True, axis="both")


def _cpu_ms(cell: SummaryCell) -> float | None:
    value = None if cell.cost is None else cell.cost.median("cpu_ms_per_request")
    return value if value is not None and math.isfinite(value) else None
