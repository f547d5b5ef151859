"""Every trial against time: the host's drift as the run saw it, rounds marked.

One panel per scenario x connections level; each app's ok trials as a line of points at
the middle of their measured windows, failed ones as crosses; alternate rounds shaded.
An app's points falling and rising together with the others' is the host drifting, which
the blocked ratios remove.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from lab.analysis.blocked import trial_time_s
from lab.report.charts import (
    LEGEND_COLUMNS,
    app_style,
    block_title,
    chart_figure,
    chart_style,
    chart_svg,
)
from lab.report.rows import levels
from lab.results.records import TrialRecord
from lab.results.summarydoc import Summary

ROUND_SHADE = "#f2f2f2"


def drift_chart(summary: Summary, records: Sequence[TrialRecord]) -> str:
    """Each trial's req/s against the minutes since the run's first trial."""
    apps = list(dict.fromkeys([*summary.apps, *(cell.app for cell in summary.cells)]))
    blocks = levels(summary)
    start = min((_minutes(record, 0.0) for record in records), default=0.0)
    with chart_style("drift"):
        legend_rows = -(-len(apps) // LEGEND_COLUMNS)
        figure, axes = chart_figure(len(blocks), columns=1, legend_rows=legend_rows)
        for ax, block in zip(axes, blocks, strict=False):
            _drift_axes(ax, block, apps, records, start)
        handles: list[Line2D | Patch] = []
        for n, app in enumerate(apps):
            colour, style = app_style(n)
            handles.append(Line2D([], [], color=colour, ls=style, marker="o", label=app))
        handles.append(Patch(facecolor=ROUND_SHADE, label="alternate rounds"))
        figure.legend(handles=handles, loc="lower center", ncols=min(len(handles), LEGEND_COLUMNS))
        return chart_svg(figure, "drift", "Every trial's requests per second against time")


def _drift_axes(
    ax: Axes,
    block: tuple[str, int],
    apps: Sequence[str],
    records: Sequence[TrialRecord],
    start: float,
) -> None:
    mine = [r for r in records if (r.scenario, r.connections) == block]
    _shade_rounds(ax, mine, start)
    top = 0.0
    for n, app in enumerate(apps):
        colour, style = app_style(n)
        trials = sorted((r for r in mine if r.app == app), key=lambda r: r.index)
        ok = [(r, r.rps) for r in trials if r.status == "ok" and r.rps is not None]
        ax.plot(
            [_minutes(r, start) for r, _ in ok],
            [rps for _, rps in ok],
            color=colour,
            ls=style,
            lw=1.2,
            marker="o",
            markersize=4,
        )
        failed = [r for r in trials if r.status != "ok"]
        ax.scatter(
            [_minutes(r, start) for r in failed],
            [r.rps or 0.0 for r in failed],
            marker="x",
            color="#222222",
            zorder=4,
        )
        top = max([top, *(rps for _, rps in ok)])
    ax.set_title(block_title(block))
    ax.set_xlabel("minutes since the first trial")
    ax.set_ylabel("requests per second")
    ax.set_ylim(0, top * 1.12 if top > 0 else 1)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))


def _shade_rounds(ax: Axes, records: Sequence[TrialRecord], start: float) -> None:
    """A grey band behind every second round, from its first trial to its last."""
    spans: dict[int, list[float]] = {}
    for record in records:
        spans.setdefault(record.repetition, []).append(_minutes(record, start))
    for number, times in sorted(spans.items()):
        if number % 2 == 0:
            ax.axvspan(min(times) - 0.05, max(times) + 0.05, color=ROUND_SHADE, zorder=0)


def _minutes(record: TrialRecord, start: float) -> float:
    """The middle of the trial's measured window, in minutes after `start` (minutes)."""
    return trial_time_s(record) / 60 - start
