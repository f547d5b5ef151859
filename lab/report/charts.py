"""The report's charts: matplotlib figures rendered to inline SVG strings.

Only matplotlib's object-oriented API is used (a `Figure`, never pyplot), inside a style
context, so nothing global is left changed and no GUI backend is ever chosen. The output
is deterministic: fixed sizes, a fixed hash salt per chart, no date in the metadata. Each
chart prefixes its SVG ids so several charts can live in one HTML document.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

import matplotlib.style
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from lab.model.cpurequest import CPU_ROLES
from lab.report.rows import level_title, levels
from lab.results.records import TrialRecord
from lab.results.summarydoc import Summary, SummaryCell
from lab.text import format_latency, format_rate

# Okabe-Ito: distinguishable with the common colour-vision deficiencies, and in grey print.
APP_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
# Past seven apps the colours come round again, with the next line style.
APP_LINESTYLES = ("-", "--", ":")
# More apps than this: one panel per row, app names slanted, the legend in rows.
MANY_APPS = 3
LEGEND_COLUMNS = 6
ROLE_COLOURS = {"app": "#332288", "wrk": "#44AA99", "redis": "#DDCC77"}
PERCENTILES = (("p50", "p50"), ("p75", "p75"), ("p90", "p90"), ("p99", "p99"), ("p99_9", "p99.9"))
WIDTH_IN = 9.6
ROW_HEIGHT_IN = 3.3
LEGEND_HEIGHT_IN = 0.5
MAX_COLUMNS = 3

_STYLE: dict[str, Any] = {
    # Text stays text: selectable, searchable, crisp in print, and small.
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "axes.axisbelow": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "legend.frameon": False,
}
# Inline SVG's <style> would apply to the whole page; the report's CSS scopes it instead.
_STYLE_TAG = re.compile(r"<style[^>]*>.*?</style>\s*", re.DOTALL)
# RDF metadata only repeats the <title>, with namespace URLs a reader would take for links.
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_NAMESPACES = re.compile(r'\s+xmlns(?::xlink)?="[^"]*"')

Block = tuple[str, int]


def rps_chart(summary: Summary, records: Sequence[TrialRecord]) -> str:
    """Median req/s per app as a bar, its CI as an error bar, every trial as a point."""
    apps, blocks = _apps(summary), levels(summary)
    with chart_style("rps"):
        figure, axes = chart_figure(len(blocks), columns=_columns(apps))
        for ax, block in zip(axes, blocks, strict=False):
            _rps_axes(ax, block, apps, _cells(summary, block), records)
        handles: list[Artist] = [
            Patch(facecolor="#bbbbbb", edgecolor="#555555", label="median"),
            Line2D([], [], color="#222222", marker="_", markersize=10, label="CI of the median"),
            Line2D([], [], ls="", marker="o", color="#777777", mec="#222222", label="one trial"),
        ]
        if any(record.status != "ok" and record.rps is not None for record in records):
            handles.append(
                Line2D(
                    [], [], ls="", marker="x", color="#222222", label="failed trial (not counted)"
                )
            )
        figure.legend(handles=handles, loc="lower center", ncols=len(handles))
        return chart_svg(
            figure, "rps", "Requests per second per app and scenario, every trial shown"
        )


def latency_chart(summary: Summary, records: Sequence[TrialRecord]) -> str:
    """Latency percentiles p50 to p99.9 on a log scale: median across trials, each trial faint."""
    apps, blocks = _apps(summary), levels(summary)
    legend_rows = math.ceil(len(apps) / LEGEND_COLUMNS)
    with chart_style("latency"):
        figure, axes = chart_figure(
            len(blocks), sharey=True, columns=_columns(apps), legend_rows=legend_rows
        )
        for ax, block in zip(axes, blocks, strict=False):
            _latency_axes(ax, block, apps, _cells(summary, block), records)
        figure.legend(
            handles=_app_handles(apps), loc="lower center", ncols=min(len(apps), LEGEND_COLUMNS)
        )
        return chart_svg(figure, "latency", "Latency percentiles per app and scenario, log scale")


def cpu_chart(summary: Summary) -> str:
    """Each container's median CPU use, as a share of what it was allotted."""
    apps, blocks = _apps(summary), levels(summary)
    with chart_style("cpu"):
        figure, axes = chart_figure(len(blocks), sharey=True, columns=_columns(apps))
        for ax, block in zip(axes, blocks, strict=False):
            ax.set_title(block_title(block))
            _cpu_axes(ax, apps, _cells(summary, block))
        handles = [Patch(color=ROLE_COLOURS[role], label=role) for role in CPU_ROLES]
        figure.legend(handles=handles, loc="lower center", ncols=len(handles))
        return chart_svg(figure, "cpu", "CPU use of the app, wrk and Redis containers")


def has_data(summary: Summary) -> bool:
    """Is there anything to draw: at least one cell with an ok trial?"""
    return any(cell.rps for cell in summary.cells)


def block_title(block: Block) -> str:
    return level_title(*block)


def _rps_axes(
    ax: Axes,
    block: Block,
    apps: Sequence[str],
    cells: Mapping[str, SummaryCell],
    records: Sequence[TrialRecord],
) -> None:
    top = 0.0
    for x, app in enumerate(apps):
        colour = APP_COLOURS[x % len(APP_COLOURS)]
        cell = cells.get(app)
        values = list(cell.rps) if cell is not None else []
        median = None if cell is None else cell.rps_median
        ci = None if cell is None else cell.rps_ci
        if median is not None:
            ax.bar(x, median, width=0.62, color=colour, alpha=0.28, edgecolor=colour)
        if median is not None and ci is not None:
            ax.errorbar(
                x,
                median,
                yerr=[[median - ci.low], [ci.high - median]],
                fmt="none",
                ecolor="#222222",
                elinewidth=1.2,
                capsize=7,
                capthick=1.2,
                zorder=3,
            )
        ax.scatter(
            _spread(x, len(values)),
            values,
            s=26,
            color=colour,
            edgecolors="#222222",
            linewidths=0.6,
            zorder=4,
        )
        failed = [
            r.rps for r in _trials(records, app, block) if r.status != "ok" and r.rps is not None
        ]
        # Beside the bar's edge, clear of the whisker and the ok trials.
        ax.scatter(
            _spread(x + 0.26, len(failed), 0.04),
            failed,
            s=34,
            marker="x",
            color="#222222",
            linewidths=1.2,
            zorder=4,
        )
        if median is not None:
            # At the foot of the bar, where no trial point or whisker can hide it.
            ax.annotate(
                format_rate(median),
                (x, 0),
                xytext=(0, 4),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=8.5,
                fontweight="bold",
            )
        top = max([top, *values, *failed, *(ci.pair if ci else ())])
    ax.set_title(block_title(block))
    _app_ticks(ax, apps)
    ax.set_xlim(-0.6, len(apps) - 0.4)
    ax.set_ylim(0, top * 1.16 if top > 0 else 1)
    ax.set_ylabel("requests per second")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))


def _latency_axes(
    ax: Axes,
    block: Block,
    apps: Sequence[str],
    cells: Mapping[str, SummaryCell],
    records: Sequence[TrialRecord],
) -> None:
    xs = range(len(PERCENTILES))
    for n, app in enumerate(apps):
        colour, style = app_style(n)
        for record in _trials(records, app, block):
            if record.status != "ok" or record.latency_us is None:
                continue
            trial = record.latency_us.to_dict()
            ax.plot(
                xs,
                [trial[key] for key, _ in PERCENTILES],
                color=colour,
                ls=style,
                alpha=0.3,
                lw=0.8,
            )
        cell = cells.get(app)
        median = None if cell is None else cell.latency_us
        if median:
            ax.plot(
                xs,
                [_or_nan(median[key]) for key, _ in PERCENTILES],
                color=colour,
                ls=style,
                lw=2.2,
                marker="o",
                markersize=4.5,
                label=app,
                zorder=3,
            )
    ax.set_title(block_title(block))
    ax.set_yscale("log")
    ax.set_xticks(list(xs), [label for _, label in PERCENTILES])
    ax.set_xlabel("percentile")
    ax.set_ylabel("latency")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: format_latency(value)))
    # Unlabelled minor ticks at 2x and 5x: enough to read between decades, cheap to lay out.
    ax.yaxis.set_minor_locator(LogLocator(subs=(2.0, 5.0)))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.grid(True, axis="both", which="major")


def _cpu_axes(ax: Axes, apps: Sequence[str], cells: Mapping[str, SummaryCell]) -> None:
    width = 0.26
    for x, app in enumerate(apps):
        cell = cells.get(app)
        for n, role in enumerate(CPU_ROLES):
            fraction = None if cell is None else cell.share(role)
            if fraction is None:
                continue
            share = fraction * 100
            offset = (n - 1) * width
            ax.bar(x + offset, share, width=width * 0.92, color=ROLE_COLOURS[role])
            ax.annotate(
                f"{share:.0f}%",
                (x + offset, share),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                fontsize=7.5,
            )
    ax.axhline(100, color="#888888", lw=0.9, ls="--", zorder=1)
    _app_ticks(ax, apps)
    ax.set_xlim(-0.6, len(apps) - 0.4)
    ax.set_ylim(0, 118)
    ax.set_ylabel("% of the CPU allotted")


def chart_style(name: str) -> AbstractContextManager[None]:
    """matplotlib's defaults plus the report's style, whatever the user's matplotlibrc says.

    The hash salt differs per chart: ids stay stable between runs and distinct between charts.
    """
    return matplotlib.style.context(["default", {**_STYLE, "svg.hashsalt": f"lab-{name}"}])


def chart_figure(
    panels: int, sharey: bool = False, columns: int = MAX_COLUMNS, legend_rows: int = 1
) -> tuple[Figure, list[Axes]]:
    """A figure with one panel per scenario x connections block and room for a legend below."""
    columns = max(1, min(panels, columns))
    rows = max(1, math.ceil(panels / columns))
    height = rows * ROW_HEIGHT_IN + LEGEND_HEIGHT_IN * legend_rows
    legend = LEGEND_HEIGHT_IN * legend_rows / height
    layout = ConstrainedLayoutEngine(rect=(0, legend, 1, 1 - legend))
    figure = Figure(figsize=(WIDTH_IN, height), layout=layout)
    grid = figure.subplots(rows, columns, sharey=sharey, squeeze=False)
    axes = [ax for row in grid for ax in row]
    for spare in axes[panels:]:
        spare.set_visible(False)
    return figure, axes[:panels]


def chart_svg(figure: Figure, name: str, label: str) -> str:
    """The figure's SVG, ready to inline in HTML: no prolog, ids prefixed, an accessible name."""
    buffer = io.StringIO()
    # No date (the output must not change between renderings), no version string.
    metadata = {"Title": label, "Date": None, "Creator": None, "Format": None, "Type": None}
    figure.savefig(buffer, format="svg", metadata=metadata)
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = _NAMESPACES.sub("", text)
    text = _METADATA.sub("", _STYLE_TAG.sub("", text, count=1), count=1)
    text = text.replace("xlink:href=", "href=")
    text = re.sub(r'\bid="([^"]+)"', rf'id="{name}-\1"', text)
    text = re.sub(r'href="#([^"]+)"', rf'href="#{name}-\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{name}-\1)", text)
    return text.replace("<svg", f'<svg role="img" aria-label="{label}"', 1).strip()


def _apps(summary: Summary) -> list[str]:
    return list(dict.fromkeys([*summary.apps, *(cell.app for cell in summary.cells)]))


def _cells(summary: Summary, block: Block) -> dict[str, SummaryCell]:
    return {cell.app: cell for cell in summary.cells if cell.level == block}


def _or_nan(value: float | None) -> float:
    return math.nan if value is None else value


def _trials(records: Sequence[TrialRecord], app: str, block: Block) -> list[TrialRecord]:
    """One app's trials in one scenario x connections block, failed ones included."""
    return [r for r in records if (r.app, r.scenario, r.connections) == (app, *block)]


def _spread(x: float, count: int, half_width: float = 0.2) -> list[float]:
    """Evenly spaced positions around x, so points of equal value stay apart (no randomness)."""
    if count <= 1:
        return [x] * count
    return [x - half_width + 2 * half_width * n / (count - 1) for n in range(count)]


def app_style(n: int) -> tuple[str, str]:
    """The colour and line style of the n-th app: seven colours, then the next style."""
    return APP_COLOURS[n % len(APP_COLOURS)], APP_LINESTYLES[
        (n // len(APP_COLOURS)) % len(APP_LINESTYLES)
    ]


def _columns(apps: Sequence[str]) -> int:
    """Panels side by side, or one per row when many apps need the width."""
    return 1 if len(apps) > MANY_APPS else MAX_COLUMNS


def _app_ticks(ax: Axes, apps: Sequence[str]) -> None:
    ax.set_xticks(range(len(apps)), apps)
    if len(apps) > MANY_APPS:
        ax.tick_params(axis="x", labelrotation=30)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")


def _app_handles(apps: Sequence[str]) -> list[Line2D]:
    handles = []
    for n, app in enumerate(apps):
        colour, style = app_style(n)
        handles.append(Line2D([], [], color=colour, ls=style, lw=2.2, marker="o", label=app))
    return handles
