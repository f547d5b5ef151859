"""One chart a cell: its median req/s run after run, each run's interval, the levels
between steps, and the steps marked with their size.

Every cell's chart shares one axis of runs (the results folder's, in time order), so a
step that several cells share lines up down the page. Each series of comparable runs has
its colour; the axis does not start at zero, since the steps are what it must show.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from lab.analysis.history import CellHistory, RunRef, Series
from lab.report.charts import APP_COLOURS, chart_figure, chart_style, chart_svg
from lab.report.historytext import size_text, when

STEP_COLOUR = "#C0392B"


def cell_chart(cell: CellHistory, runs: Sequence[RunRef], name: str) -> str:
    """The cell's series against the history's runs; `name` prefixes the SVG's ids."""
    position = {run.run_id: n for n, run in enumerate(runs)}
    with chart_style(name):
        figure, [ax] = chart_figure(1)
        for series in cell.series:
            _draw_series(ax, series, position)
        _run_axis(ax, runs)
        ax.set_ylabel("requests per second (median)")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
        handles = [
            Line2D([], [], color=_colour(s), marker="o", ls="", label=f"series {s.number}")
            for s in cell.series
        ]
        handles.append(Line2D([], [], color="#555555", lw=2, label="level between steps"))
        if any(series.steps for series in cell.series):
            handles.append(Line2D([], [], color=STEP_COLOUR, ls="--", label="step"))
        figure.legend(handles=handles, loc="lower center", ncols=len(handles))
        return chart_svg(figure, name, f"{cell.name}: median requests per second run by run")


def _draw_series(ax: Axes, series: Series, position: dict[str, int]) -> None:
    colour = _colour(series)
    xs = [position[point.run.run_id] for point in series.points]
    medians = [point.rps_median for point in series.points]
    below = [p.rps_median - p.rps_ci.low if p.rps_ci else 0.0 for p in series.points]
    above = [p.rps_ci.high - p.rps_median if p.rps_ci else 0.0 for p in series.points]
    ax.errorbar(
        xs,
        medians,
        yerr=[below, above],
        fmt="o",
        color=colour,
        ecolor=colour,
        elinewidth=1.0,
        capsize=3,
        markersize=5,
        markeredgecolor="#222222",
        markeredgewidth=0.6,
        zorder=3,
    )
    for piece in series.pieces:
        # Half a run beyond the first and last point, so a piece of two runs reads as a line.
        ax.hlines(
            piece.rps,
            xs[piece.first] - 0.3,
            xs[piece.last] + 0.3,
            colors=colour,
            linewidth=2.2,
            alpha=0.75,
            zorder=2,
        )
    for step in series.steps:
        between = (position[step.before.run.run_id] + position[step.after.run.run_id]) / 2
        ax.axvline(between, color=STEP_COLOUR, ls="--", lw=1.3, zorder=1)
        ax.annotate(
            size_text(step),
            (between, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, -12),
            textcoords="offset points",
            color=STEP_COLOUR,
            fontweight="bold",
        )


def _run_axis(ax: Axes, runs: Sequence[RunRef]) -> None:
    labels = [when(run.created_at) for run in runs]
    ax.set_xlim(-0.7, max(len(runs) - 0.3, 0.3))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=8, integer=True))
    ax.xaxis.set_major_formatter(
        FuncFormatter(
            lambda value, _: (
                labels[int(value)].replace(" ", "\n")
                if 0 <= value < len(labels) and value == int(value)
                else ""
            )
        )
    )
    ax.set_xlabel("runs in the order they were made (UTC)")


def _colour(series: Series) -> str:
    return APP_COLOURS[(series.number - 1) % len(APP_COLOURS)]
