"""One cell of two runs compared: did B's req/s change from A's, beyond the noise?

`ratio_test` is the statistical method, alone in one function so that it can be replaced
(by intervals of proven coverage, by verdicts with a family-wise error control) without
touching how cells are matched, judged comparable, or shown. Today: the bootstrap 95% CI
of the ratio of medians B/A must exclude 1 and the change must exceed the threshold; the
Mann-Whitney U p-value is reported beside it as a second, rank-based opinion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from scipy.stats import mannwhitneyu  # type: ignore[import-untyped]

from lab.analysis.stats import median, ratio_ci
from lab.model.plan import Cell
from lab.results.comparisondoc import CellComparison, CellVerdict

MIN_TRIALS = 3


@dataclass(frozen=True, slots=True)
class RatioTest:
    """What the statistical method says of one cell."""

    ratio: float
    ci95: tuple[float, float]
    p_value: float
    verdict: CellVerdict


def compare_cell(
    key: Cell, a: Sequence[float], b: Sequence[float], threshold_pct: float
) -> CellComparison:
    """Cell `key` with A's ok trials' req/s `a` and B's `b`, judged, or the reason it cannot be."""
    app, scenario, connections = key
    base = CellComparison(
        app=app,
        scenario=scenario,
        connections=connections,
        trials_a=len(a),
        trials_b=len(b),
        median_a=median(a) if a else None,
        median_b=median(b) if b else None,
        ratio=None,
        ci95=None,
        p_value=None,
        verdict="not comparable",
    )
    reason = not_comparable(a, b)
    if reason is not None:
        return replace(base, reason=reason)
    test = ratio_test(a, b, threshold_pct)
    return replace(
        base, ratio=test.ratio, ci95=test.ci95, p_value=test.p_value, verdict=test.verdict
    )


def not_comparable(a: Sequence[float], b: Sequence[float]) -> str | None:
    """Why the test cannot be run on these samples; None when it can."""
    short = [
        f"{len(v)} ok trials in {side}" for side, v in (("A", a), ("B", b)) if len(v) < MIN_TRIALS
    ]
    if short:
        return f"{' and '.join(short)}, too few for the test (it needs {MIN_TRIALS} a side)"
    if any(value <= 0 for value in a):
        return "A has a trial at 0 req/s, so no ratio can be taken"
    return None


def ratio_test(a: Sequence[float], b: Sequence[float], threshold_pct: float) -> RatioTest:
    """Median B/A with its bootstrap 95% CI (seeded), the Mann-Whitney U p, and the verdict."""
    ratio = median(b) / median(a)
    low, high = ratio_ci(b, a, seed=0)
    p_value = float(mannwhitneyu(b, a, alternative="two-sided").pvalue)
    change = (ratio - 1) * 100
    verdict: CellVerdict = "no difference"
    if low > 1 and change > threshold_pct:
        verdict = "improved"
    elif high < 1 and -change > threshold_pct:
        verdict = "regressed"
    return RatioTest(ratio, (low, high), p_value, verdict)
