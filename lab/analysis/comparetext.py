"""The comparison of two runs as aligned plain text, ending with the verdict and exit code."""

from __future__ import annotations

import json
from typing import Any

from lab.analysis.compare import Comparison, normalised
from lab.results.comparisondoc import CellComparison
from lab.text import DASH, TIMES, format_rate, format_ratio


def comparison_lines(comparison: Comparison) -> list[str]:
    """The comparison as aligned plain text, ending with the verdict and exit code."""
    c = comparison
    lines = [
        f"A: {c.run_a}",
        f"B: {c.run_b}",
        f"B/A: ratio of median req/s with its bootstrap 95% CI; p: Mann{DASH}Whitney U,"
        f" two-sided; a change counts when the CI excludes 1{TIMES} and it exceeds"
        f" {c.threshold_pct:g}%",
        "",
    ]
    header = ("cell", "A req/s", "B req/s", "B/A", "95% CI", "change", "p", "verdict")
    rows = [header] + [_row(cell) for cell in c.cells]
    widths = [max(len(row[n]) for row in rows) for n in range(len(header))]
    for row in rows:
        cells = [row[0].ljust(widths[0])]
        cells += [value.rjust(width) for value, width in zip(row[1:-1], widths[1:-1], strict=True)]
        lines.append(("  ".join([*cells, row[-1]])).rstrip())
    lines += _normalised_lines(c)
    if c.only_in_a:
        lines.append(f"only in A (not compared): {', '.join(c.only_in_a)}")
    if c.only_in_b:
        lines.append(f"only in B (not compared): {', '.join(c.only_in_b)}")
    if c.differences:
        lines += ["", "the runs were made differently, which may explain a change:"]
        lines += [f"  {d.what}: {_show(d.a)} -> {_show(d.b)}" for d in c.differences]
    else:
        lines += ["", "the runs were made the same way (images, CPUs, placement, engine, flags)"]
    lines += ["", _verdict_line(c)]
    return lines


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
            f" {ratio:.3f}{TIMES} (95% CI {low:.3f}{DASH}{high:.3f}{TIMES})"
        )
    return lines


def _row(cell: CellComparison) -> tuple[str, ...]:
    change = cell.change_pct
    ci = cell.ci95
    return (
        cell.name,
        format_rate(cell.median_a),
        format_rate(cell.median_b),
        DASH if cell.ratio is None else f"{cell.ratio:.3f}{TIMES}",
        DASH if ci is None else f"{ci[0]:.3f}{DASH}{ci[1]:.3f}{TIMES}",
        DASH if change is None else f"{change:+.1f}%",
        DASH if cell.p_value is None else _p(cell.p_value),
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
