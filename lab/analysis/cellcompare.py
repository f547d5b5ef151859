"""The cells two runs share, compared: did B's req/s change from A's, beyond the noise?

The statistics are lab.analysis.verdicts': per cell, Welch's t-test on log req/s (the
ratio of geometric means B/A with its 95% interval), Holm-adjusted over every cell
compared, so that two identical runs are called different in at most 5% of comparisons;
a change also has to exceed the practical threshold. This module matches the samples,
says why a cell cannot be judged, and writes what the test found into the document.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from lab.analysis.stats import median
from lab.analysis.summary import stated
from lab.analysis.verdicts import ALPHA, judge_cells
from lab.model.cell import Cell
from lab.results.comparisondoc import CellComparison

MIN_TRIALS = 3


def compare_cells(
    samples: Mapping[Cell, tuple[Sequence[float], Sequence[float]]], threshold_pct: float
) -> list[CellComparison]:
    """Each cell's (A req/s, B req/s) judged, the family being every comparable cell."""
    reasons = {key: not_comparable(a, b) for key, (a, b) in samples.items()}
    judged = judge_cells(
        {key: pair for key, pair in samples.items() if reasons[key] is None},
        ALPHA,
        threshold_pct,
    )
    compared = []
    for key, (a, b) in samples.items():
        app, scenario, connections = key
        cell = CellComparison(
            app=app,
            scenario=scenario,
            connections=connections,
            trials_a=len(a),
            trials_b=len(b),
            median_a=median(a) if a else None,
            median_b=median(b) if b else None,
            ratio=None,
            ci=None,
            p_value=None,
            verdict="not comparable",
            reason=reasons[key],
        )
        verdict = judged.get(key)
        if verdict is not None:
            cell = replace(
                cell,
                ratio=verdict.ratio,
                ci=stated(verdict.interval),
                test=verdict.test,
                p_value=verdict.p_value,
                p_adjusted=verdict.p_adjusted,
                verdict=verdict.verdict,
            )
        compared.append(cell)
    return compared


def not_comparable(a: Sequence[float], b: Sequence[float]) -> str | None:
    """Why the test cannot be run on these samples; None when it can."""
    short = [
        f"{len(v)} ok trials in {side}" for side, v in (("A", a), ("B", b)) if len(v) < MIN_TRIALS
    ]
    if short:
        return f"{' and '.join(short)}, too few for the test (it needs {MIN_TRIALS} a side)"
    for side, values in (("A", a), ("B", b)):
        if any(value <= 0 for value in values):
            return f"{side} has a trial at 0 req/s, which has no logarithm for the test"
    return None
