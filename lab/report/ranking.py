"""Many apps as a ranking per scenario and level, instead of a column per app.

Beyond a few apps, columns side by side stop fitting a terminal or a page. A ranking
keeps one row per app, fastest first by median req/s, with the ratio to the fastest
(of medians, descriptive) and to the baseline (the run's first app: the summary's own
ratio, blocked by round, with its interval), so the same rows render everywhere.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from lab.model.deployment import deployment_of
from lab.report.rows import level_title, levels, ratio_caveat
from lab.results.summarydoc import Ratio, Summary, SummaryCell
from lab.text import (
    DASH,
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
    # Each row's deployment ("Django · ASGI · uvicorn"), "" when unknown;
    # shown on a line of its own under the row, since the columns fill 80 characters.
    deployments: tuple[str, ...] = ()

    def deployment(self, row: int) -> str:
        return self.deployments[row] if row < len(self.deployments) else ""


def ranked(summary: Summary) -> bool:
    """Does this summary read as rankings (more apps than columns fit)?"""
    return len(summary.apps) > MAX_COLUMNS


def rankings(summary: Summary, deployments: Mapping[str, str] | None = None) -> list[Ranking]:
    """A ranking per scenario and level. The level most of a block's intervals have goes
    in its column's header; an interval at another level (fewer ok trials) says its own.
    `deployments`: each app's label (RunDocument.deployments), said under its row."""
    baseline = summary.apps[0] if summary.apps else ""
    ratios = {(r.scenario, r.connections, r.numerator): r for r in summary.ratios}
    found = []
    for scenario, connections in levels(summary):
        cells = by_speed(summary, (scenario, connections))
        fastest = cells[0].rps_median if cells else None
        entries = [ratios.get((scenario, connections, cell.app)) for cell in cells]
        rps_level = shared_level([cell.rps_ci.level for cell in cells if cell.rps_ci is not None])
        ratio_level = shared_level(
            [entry.ci.level for entry in entries if entry is not None and entry.ci is not None]
        )
        labels = (
            "#",
            "app",
            "req/s",
            "CI" if rps_level is None else f"CI {format_level(rps_level)}",
            "p99",
            "/best",
            f"vs {baseline}"
            + ("" if ratio_level is None else f" ({format_level(ratio_level)} CI)"),
            "trials",
        )
        rows = tuple(
            (
                str(place),
                cell.app,
                format_rate(cell.rps_median),
                _interval(cell, rps_level),
                format_latency((cell.latency_us or {}).get("p99")),
                _of_fastest(cell.rps_median, fastest),
                "baseline" if cell.app == baseline else _vs_baseline(summary, entry, ratio_level),
                _trials(cell),
            )
            for place, (cell, entry) in enumerate(zip(cells, entries, strict=True), start=1)
        )
        found.append(
            Ranking(
                level_title(scenario, connections),
                labels,
                rows,
                deployments_of(cells, deployments),
            )
        )
    return found


def deployments_of(
    cells: list[SummaryCell], deployments: Mapping[str, str] | None
) -> tuple[str, ...]:
    """The rows' deployments in the rows' order; () when none is known."""
    if not deployments:
        return ()
    return tuple(deployment_of(deployments, cell.app) for cell in cells)


def by_speed(summary: Summary, level: tuple[str, int]) -> list[SummaryCell]:
    """A block's cells, fastest median first; cells without a median last."""
    cells = [c for c in summary.cells if c.level == level]
    return sorted(cells, key=lambda c: -1.0 if c.rps_median is None else c.rps_median, reverse=True)


def shared_level(found: list[float]) -> float | None:
    """The level most rows have: the header shows it, the other rows their own."""
    return Counter(found).most_common(1)[0][0] if found else None


def legend(summary: Summary) -> str:
    """What the ranking's columns mean, in one line under it."""
    baseline = summary.apps[0] if summary.apps else "the first app"
    return (
        "req/s: median of the trials; CI: its order-statistic interval; p99: median of the trials'"
        f" p99; /best: req/s over the fastest's; vs {baseline}: ratio paired by round"
        f" to the baseline, {baseline} (the first of --apps), with its interval; trials: ok"
        " (of run, when some failed), and (Nd): N the host disturbed (see the findings)"
    )


def ranked_headline(summary: Summary) -> list[str]:
    """One sentence per scenario and level: the fastest, and where the baseline stands."""
    baseline = summary.apps[0] if summary.apps else ""
    ratios = {(r.scenario, r.connections, r.numerator): r for r in summary.ratios}
    lines = []
    for scenario, connections in levels(summary):
        cells = [c for c in by_speed(summary, (scenario, connections)) if c.rps_median]
        if not cells:
            lines.append(f"{level_title(scenario, connections)}: no ok trials")
            continue
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


def ranking_lines(summary: Summary, deployments: Mapping[str, str] | None = None) -> list[str]:
    """The rankings as plain aligned text (report.md's and `lab show`'s fallback)."""
    lines: list[str] = []
    for ranking in rankings(summary, deployments):
        lines.append(ranking.title)
        lines += [text for _, text in laid_out(ranking, gap="  ", rule=False)]
        lines.append("")
    return lines


def laid_out(ranking: Ranking, gap: str = " ", rule: bool = True) -> list[tuple[str, str]]:
    """The ranking as aligned lines, each with its kind: "header", "rule", "row" and, under
    a row whose deployment is known, "deployment", starting where the app's name does."""
    grid = [ranking.labels, *ranking.rows]
    widths = [max(len(row[n]) for row in grid) for n in range(len(ranking.labels))]

    def line(row: tuple[str, ...]) -> str:
        cells = [
            value.ljust(width) if n == 1 else value.rjust(width)
            for n, (value, width) in enumerate(zip(row, widths, strict=True))
        ]
        return (gap + gap.join(cells)).rstrip()

    lines = [("header", line(ranking.labels))]
    if rule:
        lines.append(
            ("rule", gap + "\N{BOX DRAWINGS LIGHT HORIZONTAL}" * (len(lines[0][1]) - len(gap)))
        )
    indent = " " * (len(gap) * 2 + widths[0])
    for n, row in enumerate(ranking.rows):
        lines.append(("row", line(row)))
        if ranking.deployment(n):
            lines.append(("deployment", indent + ranking.deployment(n)))
    return lines


def _interval(cell: SummaryCell, shown_level: float | None) -> str:
    ci = cell.rps_ci
    if ci is None:
        return UNKNOWN
    if ci.level == shown_level:  # the header says it
        return f"{format_rate(ci.low)}{DASH}{format_rate(ci.high)}"
    return format_rate_interval(ci.low, ci.high, ci.level)


def _of_fastest(rps: float | None, fastest: float | None) -> str:
    if rps is None or not fastest:
        return UNKNOWN
    return f"{format_ratio(rps / fastest)}{TIMES}"


def _vs_baseline(summary: Summary, entry: Ratio | None, shown_level: float | None = None) -> str:
    if entry is None or entry.ratio is None:
        return UNKNOWN
    text = f"{format_ratio(entry.ratio)}{TIMES}"
    if entry.ci is not None:
        interval = format_ratio_interval(entry.ci.pair, entry.ratio)
        level = "" if entry.ci.level == shown_level else f"{format_level(entry.ci.level)}: "
        text += f" ({level}{interval})"
    return text + ("*" if ratio_caveat(summary, entry) else "")


def _trials(cell: SummaryCell) -> str:
    """ "5", "4/5" (one failed), "5 (1d)" (one the host disturbed): short, to fit a row."""
    text = f"{cell.trials}" if not cell.failed else f"{cell.trials}/{cell.trials + cell.failed}"
    return text + (f" ({len(cell.host_disturbed)}d)" if cell.host_disturbed else "")
