"""The host's drift as text: every cell's req/s round by round, and the host's speed.

The terminal's and report.md's chart of every trial against time: one mark per round,
on one scale for every cell (its req/s relative to its own mean), so the same drift looks
the same in every cell, and a cell that moves on its own stands out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from lab.results.records import TrialRecord
from lab.results.summarydoc import Summary
from lab.text import DASH, format_rate

MARKS = "▁▂▃▄▅▆▇█"
ARROW = "\N{RIGHTWARDS ARROW}"
# The scale: a cell's req/s from this fraction below its mean to as far above.
SCALE = 0.25


def drift_lines(summary: Summary, records: Sequence[TrialRecord]) -> list[str]:
    """A line per cell and one for the host; nothing when the run measured no drift."""
    drift = summary.drift
    if drift is None:
        return []
    rounds = len(drift.rounds)
    lines = [
        f"drift: each cell's req/s round by round, rounds 1 to {rounds} (one mark a round;"
        f" {MARKS[0]} is {SCALE:.0%} below the cell's mean, {MARKS[-1]} {SCALE:.0%} above;"
        f" {DASH} a round without an ok trial)"
    ]
    labels = {cell.key: f"{cell.scenario} @{cell.connections} {cell.app}" for cell in summary.cells}
    width = max((len(label) for label in labels.values()), default=4)
    for key, label in labels.items():
        by_round = {
            r.repetition: r.rps
            for r in records
            if r.cell == key and r.status == "ok" and r.rps is not None and r.rps > 0
        }
        if not by_round:
            continue
        centre = math.exp(sum(math.log(v) for v in by_round.values()) / len(by_round))
        marks = "".join(
            _mark(by_round[n] / centre) if n in by_round else DASH for n in range(1, rounds + 1)
        )
        first, last = by_round[min(by_round)], by_round[max(by_round)]
        lines.append(
            f"  {label:<{width}}  {marks}  {format_rate(first)} {ARROW} {format_rate(last)}"
        )
    host = "".join(DASH if speed is None else _mark(speed) for speed in drift.rounds)
    lines.append(
        f"  {'host':<{width}}  {host}  {drift.change:+.0%} first round to last;"
        f" fastest round {drift.spread:.0%} above the slowest"
    )
    if any(ratio.pairs for ratio in summary.ratios):
        lines.append(
            "  the ratios pair each round's trials, so the drift every app shares leaves them"
        )
    return lines


def _mark(relative: float) -> str:
    """The mark of a value relative to its mean (1.0), on the +-SCALE scale."""
    position = (relative - (1 - SCALE)) / (2 * SCALE)
    index = round(position * (len(MARKS) - 1))
    return MARKS[max(0, min(len(MARKS) - 1, index))]
