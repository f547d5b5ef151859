"""Many apps as a ranking per scenario and level, instead of a column per app.

Beyond a few apps, columns side by side stop fitting a terminal or a page. A ranking
keeps one row per app, fastest first by median req/s, with the ratio to the fastest
(of medians, descriptive) and to the baseline (the run's first app: the summary's own
ratio, geometric means with its interval), so the same rows render everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from lab.report.rows import level_title, levels, ratio_caveat
from lab.results.summarydoc import Ratio, Summary, SummaryCell
from lab.text import (
    TIMES,
    UNKNOWN,
    format_latency,
    format_level,
    format_rate,
    format_rate_interval,
    format_ratio,
    format_ratio_interval,
)

# Up to this many apps the table keeps a column per app.
MAX_COLUMNS = 3


@dataclass(frozen=True, slots=True)
class Ranking:
    title: str
    labels: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # one per app, fastest first


def ranked(summary: Summary) -> bool:
    """Does this summary read as rankings (more apps than columns fit)?"""
    return len(summary.apps) > MAX_COLUMNS


def rankings(summary: Summary) -> list[Ranking]:
    baseline = summary.apps[0] if summary.apps else ""
    ratios = {(r.scenario, r.connections, r.numerator): r for r in summary.ratios}
    labels = ("#", "app", "req/s", "CI", "p99", "of best", f"vs {baseline}", "trials")
    found = []
    for scenario, connections in levels(summary):
        cells = [c for c in summary.cells if c.level == (scenario, connections)]
        cells.sort(key=lambda c: -1.0 if c.rps_median is None else c.rps_median, reverse=True)
        fastest = cells[0].rps_median if cells else None
        rows = tuple(
            (
                str(place),
                cell.app,
                format_rate(cell.rps_median),
                _interval(cell),
                format_latency((cell.latency_us or {}).get("p99")),
                _of_fastest(cell.rps_median, fastest),
                "baseline"
                if cell.app == baseline
                else _vs_baseline(summary, ratios.get((scenario, connections, cell.app))),
                _trials(cell),
            )
            for place, cell in enumerate(cells, start=1)
        )
        found.append(Ranking(level_title(scenario, connections), labels, rows))
    return found


def legend(summary: Summary) -> str:
    """What the ranking's columns mean, in one line under it."""
    baseline = summary.apps[0] if summary.apps else "the first app"
    return (
        "req/s: median of the trials; CI: its interval (level); p99: median of the trials'"
        f" p99; of best: req/s over the fastest's; vs {baseline}: ratio of geometric means"
        f" to the baseline, {baseline} (the first of --apps), with its interval; dist.:"
        " trials the host disturbed (see the findings)"
    )


def ranked_headline(summary: Summary) -> list[str]:
    """One sentence per scenario and level: the fastest, and where the baseline stands."""
    baseline = summary.apps[0] if summary.apps else ""
    ratios = {(r.scenario, r.connections, r.numerator): r for r in summary.ratios}
    lines = []
    for scenario, connections in levels(summary):
        cells = [
            c
            for c in summary.cells
            if c.level == (scenario, connections) and c.rps_median is not None
        ]
        if not cells:
            lines.append(f"{level_title(scenario, connections)}: no ok trials")
            continue
        cells.sort(key=lambda c: c.rps_median or 0.0, reverse=True)
        top = cells[0]
        line = (
            f"{level_title(scenario, connections)}: {top.app} is fastest at"
            f" {format_rate(top.rps_median)} req/s (median)"
        )
        entry = ratios.get((scenario, connections, top.app))
        if top.app == baseline:
            line += ", and it is the baseline"
        elif entry is not None and entry.ratio is not None:
            line += f", {_vs_baseline(summary, entry)} {baseline}'s"
        lines.append(f"{line}; slowest: {cells[-1].app} at {format_rate(cells[-1].rps_median)}")
    return lines


def ranking_lines(summary: Summary) -> list[str]:
    """The rankings as plain aligned text (report.md's and `lab show`'s fallback)."""
    lines: list[str] = []
    for ranking in rankings(summary):
        grid = [ranking.labels, *ranking.rows]
        widths = [max(len(row[n]) for row in grid) for n in range(len(ranking.labels))]
        lines.append(ranking.title)
        for row in grid:
            cells = [
                value.ljust(width) if n == 1 else value.rjust(width)
                for n, (value, width) in enumerate(zip(row, widths, strict=True))
            ]
            lines.append(("  " + "  ".join(cells)).rstrip())
        lines.append("")
    return lines


def _interval(cell: SummaryCell) -> str:
    ci = cell.rps_ci
    return UNKNOWN if ci is None else format_rate_interval(ci.low, ci.high, ci.level)


def _of_fastest(rps: float | None, fastest: float | None) -> str:
    if rps is None or not fastest:
        return UNKNOWN
    return f"{format_ratio(rps / fastest)}{TIMES}"


def _vs_baseline(summary: Summary, entry: Ratio | None) -> str:
    if entry is None or entry.ratio is None:
        return UNKNOWN
    text = f"{format_ratio(entry.ratio)}{TIMES}"
    if entry.ci is not None:
        interval = format_ratio_interval(entry.ci.pair, entry.ratio)
        text += f" ({format_level(entry.ci.level)}: {interval})"
    return text + ("*" if ratio_caveat(summary, entry) else "")


def _trials(cell: SummaryCell) -> str:
    """ "5", "4 ok, 1 failed", "5 (1 dist.)": short, to fit a ranking's row."""
    text = f"{cell.trials}" if not cell.failed else f"{cell.trials} ok, {cell.failed} failed"
    return text + (f" ({len(cell.host_disturbed)} dist.)" if cell.host_disturbed else "")
