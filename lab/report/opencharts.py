"""Open mode's chart: latency against offered load, per scenario, on log-log axes.

One colour per app, one line style per percentile (p50 to p99.9), the SLO as a dashed
line. A filled marker is a rate whose points were all valid; a hollow one a rate where
the load was not what was asked (its latencies are those of the answered requests only).
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from lab.analysis.openload import OpenSummary
from lab.report.charts import APP_COLOURS, chart_figure, chart_style, chart_svg
from lab.text import format_rate

# Percentile, legend label, line style: the tail drawn heavier than the median.
LINES = (
    ("p50", "p50", ":", 1.2),
    ("p90", "p90", "-.", 1.2),
    ("p99", "p99", "-", 2.0),
    ("p99_9", "p99.9", "--", 1.2),
)


def has_open_data(summary: OpenSummary) -> bool:
    return any(row.latency_us for row in summary.rows)


def latency_load_chart(summary: OpenSummary) -> str:
    scenarios = [s for s in summary.scenarios if any(r.scenario == s for r in summary.rows)]
    apps = list(summary.apps)
    with chart_style("open"):
        figure, axes = chart_figure(len(scenarios), sharey=True)
        for ax, scenario in zip(axes, scenarios, strict=False):
            _axes(ax, summary, scenario, apps)
        handles = [
            Line2D([], [], color=APP_COLOURS[n % len(APP_COLOURS)], lw=2, label=app)
            for n, app in enumerate(apps)
        ] + [
            Line2D([], [], color="#444444", ls=style, lw=width, label=label)
            for _, label, style, width in LINES
        ]
        handles.append(Line2D([], [], color="#B22222", ls="--", lw=1, label="SLO (p99)"))
        figure.legend(handles=handles, loc="lower center", ncols=len(handles))
        return chart_svg(
            figure, "open", "Latency percentiles against offered load per app, log scale"
        )


def _axes(ax: Axes, summary: OpenSummary, scenario: str, apps: list[str]) -> None:
    ax.set_title(f"{scenario}, open loop")
    for n, app in enumerate(apps):
        rows = [r for r in summary.rows_for(app, scenario) if r.latency_us and r.rate_rps]
        if not rows:
            continue
        colour = APP_COLOURS[n % len(APP_COLOURS)]
        x = [row.rate_rps or 0.0 for row in rows]
        for key, _, style, width in LINES:
            y = [row.latency_us[key] / 1000 if row.latency_us else 0.0 for row in rows]
            ax.plot(x, y, color=colour, ls=style, lw=width)
            for xi, yi, row in zip(x, y, rows, strict=True):
                ax.plot(
                    [xi],
                    [yi],
                    marker="o",
                    ms=3.5,
                    color=colour,
                    mfc=colour if row.all_valid else "white",
                )
    ax.axhline(summary.slo_ms, color="#B22222", ls="--", lw=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("offered load (req/s)")
    ax.set_ylabel("latency (ms)")
    # Rates often span less than a decade: label 1, 2 and 5 of each, nothing in between.
    ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: format_rate(v)))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.grid(True, which="major", axis="both")
