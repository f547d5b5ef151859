"""The comparison of two runs as aligned plain text, ending with the verdict and exit code."""

from __future__ import annotations

import json
from typing import Any

from lab.analysis.compare import Comparison, normalised
from lab.analysis.costcompare import MIN_TRIALS
from lab.analysis.verdicts import ALPHA
from lab.results.comparisondoc import CellComparison
from lab.results.costchangedoc import CostChange
from lab.text import (
    DASH,
    TIMES,
    format_cpu_ms,
    format_level,
    format_mib,
    format_rate,
    format_ratio,
    plural,
)


def comparison_lines(comparison: Comparison) -> list[str]:
    """The comparison as aligned plain text, ending with the verdict and exit code."""
    c = comparison
    judged = sum(1 for cell in c.cells if cell.p_adjusted is not None)
    levels = {cell.ci.level for cell in c.cells if cell.ci is not None}
    shared = format_level(levels.pop()) if len(levels) == 1 else None
    lines = [
        f"A: {c.run_a}",
        f"B: {c.run_b}",
        f"A, B req/s: medians. B/A: ratio of geometric means, with its {shared or ''}"
        f"{' ' if shared else ''}CI from Welch's t on log req/s; p: that test, two-sided;"
        f" Holm: p adjusted over the {plural(judged, 'cell')} compared, so that identical runs"
        f" are called different at most {ALPHA:.0%} of the time. A cell changed when its Holm"
        f" p is at most {ALPHA:g} and it moved more than {c.threshold_pct:g}%. Levels assume"
        " independent trials.",
        "",
    ]
    ci_head = f"{shared} CI" if shared else "CI (level)"
    header = ("cell", "A req/s", "B req/s", "B/A", ci_head, "change", "p", "Holm", "verdict")
    rows = [header] + [_row(cell, with_level=shared is None) for cell in c.cells]
    widths = [max(len(row[n]) for row in rows) for n in range(len(header))]
    for row in rows:
        cells = [row[0].ljust(widths[0])]
        cells += [value.rjust(width) for value, width in zip(row[1:-1], widths[1:-1], strict=True)]
        lines.append(("  ".join([*cells, row[-1]])).rstrip())
    lines += _normalised_lines(c)
    lines += cost_lines(c)
    if c.only_in_a:
        lines.append(f"only in A (not compared): {', '.join(c.only_in_a)}")
    if c.only_in_b:
        lines.append(f"only in B (not compared): {', '.join(c.only_in_b)}")
    if c.differences:
        lines += ["", "the runs were made differently, which may explain a change:"]
        lines += [f"  {d.what}: {_show(d.a)} -> {_show(d.b)}" for d in c.differences]
    else:
        lines += ["", "the runs were made the same way (images, CPUs, placement, engine, flags)"]
    if c.host_moved:
        lines += ["", "the host moved:"]
        lines += [f"  {note}" for note in c.host_moved]
    lines += ["", _verdict_line(c)]
    return lines


FIGURE_NAMES = {"cpu_ms_per_request": "CPU ms/req", "memory_peak_mib": "MiB peak"}


def cost_lines(c: Comparison) -> list[str]:
    """The cost of serving of both runs, a row per cell and figure; it does not enter the
    verdict. A run without it says so rather than showing dashes."""
    if c.cost_missing and not c.cost:
        runs = " and ".join(c.cost_missing)
        return ["", f"cost of serving: no cost recorded in {runs} (a run from before the lab"
                " measured it)"]  # fmt: skip
    if not c.cost:
        return []
    judged = sum(1 for change in c.cost if change.p_adjusted is not None)
    lines = [
        "",
        "cost of serving (app CPU ms per ok response, container memory peak; medians): B/A"
        " of geometric means with Welch's CI and Holm's p over the"
        f' {plural(judged, "figure")} judged, as req/s; "not judged" (no interval) where a'
        f" run has fewer than {MIN_TRIALS} trials that measured it. Not part of the verdict.",
    ]
    header = ("cell", "figure", "A", "B", "B/A", "CI", "change", "Holm", "verdict")
    rows = [header] + [_cost_row(change) for change in c.cost]
    widths = [max(len(row[n]) for row in rows) for n in range(len(header))]
    for row in rows:
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
        cells += [value.rjust(width) for value, width in zip(row[2:-1], widths[2:-1], strict=True)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return lines


def _cost_row(change: CostChange) -> tuple[str, ...]:
    show = format_cpu_ms if change.figure == "cpu_ms_per_request" else format_mib
    ci = change.ci
    change_pct = change.change_pct
    return (
        change.name,
        FIGURE_NAMES.get(change.figure, change.figure),
        show(change.median_a),
        show(change.median_b),
        DASH if change.ratio is None else f"{change.ratio:.3f}{TIMES}",
        DASH if ci is None else f"{ci.low:.3f}{DASH}{ci.high:.3f}{TIMES}",
        DASH if change_pct is None else f"{change_pct:+.1f}%",
        DASH if change.p_adjusted is None else _p(change.p_adjusted),
        change.verdict if change.reason is None else f"{change.verdict}: {change.reason}",
    )


def _normalised_lines(c: Comparison) -> list[str]:
    cal = c.calibration
    if cal is None:
        return ["", "no calibration in one of the runs: only raw ratios"]
    lines = [
        "",
        f"calibration (rounds/s of a fixed workload on the app's CPUs): A {cal.score_a:,.0f}"
        f" (samples within {cal.spread_a:.0%}), B {cal.score_b:,.0f} (within {cal.spread_b:.0%}),"
        f" B/A {cal.factor:.3f}{TIMES}",
        f"normalised B/A = raw B/A / {cal.factor:.3f} {DASH} {cal.advice()}",
    ]
    for cell, ratio, (low, high) in normalised(c.cells, cal):
        lines.append(
            f"  {cell.name}: raw {cell.ratio:.3f}{TIMES}, normalised"
            f" {ratio:.3f}{TIMES} ({_level(cell)}CI {low:.3f}{DASH}{high:.3f}{TIMES})"
        )
    return lines


def _level(cell: CellComparison) -> str:
    return "" if cell.ci is None else f"{format_level(cell.ci.level)} "


def _row(cell: CellComparison, with_level: bool) -> tuple[str, ...]:
    change = cell.change_pct
    ci = cell.ci
    interval = DASH if ci is None else f"{ci.low:.3f}{DASH}{ci.high:.3f}{TIMES}"
    if ci is not None and with_level:
        interval += f" ({format_level(ci.level)})"
    return (
        cell.name,
        format_rate(cell.median_a),
        format_rate(cell.median_b),
        DASH if cell.ratio is None else f"{cell.ratio:.3f}{TIMES}",
        interval,
        DASH if change is None else f"{change:+.1f}%",
        DASH if cell.p_value is None else _p(cell.p_value),
        DASH if cell.p_adjusted is None else _p(cell.p_adjusted),
        cell.verdict if cell.reason is None else f"{cell.verdict}: {cell.reason}",
    )


def _verdict_line(c: Comparison) -> str:
    if c.problem is not None:
        return f"verdict: not comparable ({c.problem}) {DASH} exit {c.exit_code}"
    changed = [cell for cell in c.cells if cell.verdict == c.verdict]
    if c.verdict == "no difference":
        detail = f"no cell of {len(c.cells)} changed beyond the noise and {c.threshold_pct:g}%"
    else:
        detail = f"{len(changed)} of {len(c.cells)} cells {c.verdict}"
        if c.verdict == "regressed":
            names = ", ".join(
                f"{cell.name} {format_ratio(cell.ratio or 0)}{TIMES}" for cell in changed
            )
            detail += f": {names}"
    return f"verdict: {c.verdict}, {detail} {DASH} exit {c.exit_code}"


def _p(value: float) -> str:
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, str) and value.startswith("sha256:"):
        return value[:19]
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return str(value)
