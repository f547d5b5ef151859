"""The report's first lines: what the run found, one sentence per ratio (or ranking).

report.md and report.html open with them, before the results they summarise.
"""

from __future__ import annotations

from lab.report.ranking import ranked, ranked_headline
from lab.report.rows import precision_line, ratio_caveat
from lab.results.summarydoc import Summary
from lab.text import (
    DASH,
    TIMES,
    format_level,
    format_rate,
    format_ratio,
    format_ratio_interval,
)


def headline(summary: Summary) -> list[str]:
    """One sentence per ratio: "aio serves 4.5x flask's requests on hello (95% CI 3.7-6.5x)".

    The ratio is blocked by round where it can be, and the CI's level is the one it achieves.

    (The sentences use a multiplication sign and an en dash.) A run of one app has no
    ratio: its sentences give each cell's median instead.
    """
    if ranked(summary):
        precise = [] if summary.precision is None else [precision_line(summary.precision)]
        return ranked_headline(summary) + precise
    cells = summary.cells
    levels: dict[str, set[int]] = {}
    for cell in cells:
        levels.setdefault(cell.scenario, set()).add(cell.connections)

    def where(scenario: str, connections: int) -> str:
        if len(levels.get(scenario, ())) > 1:
            return f"{scenario} at {connections} connections"
        return scenario

    lines = []
    for entry in summary.ratios:
        top, bottom = entry.numerator, entry.denominator
        place = where(entry.scenario, entry.connections)
        ratio, ci = entry.ratio, entry.ci
        if ratio is None:
            lines.append(f"{top} vs {bottom} on {place}: no ratio (no ok trials or zero req/s)")
            continue
        line = f"{top} serves {format_ratio(ratio)}{TIMES} {bottom}'s requests on {place}"
        if ci is not None:
            line += f" ({format_level(ci.level)} CI {format_ratio_interval(ci.pair, ratio)}{TIMES}"
            line += ", paired by round)" if entry.pairs else ")"
            if ci.low <= 1 <= ci.high:
                line += f": the interval includes 1{TIMES}, no clear difference"
        lines.append(line + ratio_caveat(summary, entry))
    precise = [] if summary.precision is None else [precision_line(summary.precision)]
    if lines:
        return lines + precise
    for cell in cells:
        if cell.rps_median is None:
            continue
        line = f"{cell.app} serves {format_rate(cell.rps_median)} req/s on"
        line += f" {where(cell.scenario, cell.connections)}"
        ci = cell.rps_ci
        if ci is not None:
            line += f" (median; {format_level(ci.level)} CI {format_rate(ci.low)}{DASH}"
            line += f"{format_rate(ci.high)})"
        lines.append(line)
    return lines + precise if lines else ["no ok trials: there is nothing to compare"]
