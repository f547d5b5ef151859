"""Per-cell verdicts of a comparison with family-wise error control.

Each cell is tested with Welch's t-test on log req/s (B against A, two-sided), the test
whose interval `intervals.ratio_interval` reports: a cell's own p is below alpha exactly
when its interval excludes 1. A run has several cells, and a verdict on any one of them
is a verdict on the run, so the p-values are adjusted by Holm's step-down: the chance
that any cell of two identical runs is called changed stays at or below `alpha` (5%),
whatever the dependence between cells, provided each cell's p is valid (its trials
independent: the simulation shows what autocorrelated trials do). A cell is improved or
regressed only when Holm rejects AND the ratio of geometric means moves by more than the
practical threshold (5%); an interval may exclude 1 without a verdict.

What change this test can see at a given noise and trial count: `resolution`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

import numpy as np

from lab.analysis.intervals import WELCH_LOG, Array, Interval, ratio_interval, welch_log_p

ALPHA = 0.05
THRESHOLD_PCT = 5.0
Verdict = Literal["improved", "regressed", "no difference"]
K = TypeVar("K")


@dataclass(frozen=True, slots=True)
class CellVerdict:
    """One cell's test: B/A with its (unadjusted, `interval.level`) interval, p and Holm's p."""

    test: str
    interval: Interval
    p_value: float
    p_adjusted: float
    alpha: float
    threshold_pct: float

    @property
    def ratio(self) -> float:
        return self.interval.estimate

    @property
    def change_pct(self) -> float:
        return (self.ratio - 1) * 100

    @property
    def significant(self) -> bool:
        """Holm rejects "no change" for this cell, at family-wise level alpha."""
        return self.p_adjusted <= self.alpha

    @property
    def verdict(self) -> Verdict:
        if not self.significant or abs(self.change_pct) <= self.threshold_pct:
            return "no difference"
        return "improved" if self.change_pct > 0 else "regressed"


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the order given.

    The i-th smallest p (1-based) is multiplied by m - i + 1, kept at least as large as
    the adjusted p before it, and capped at 1. Rejecting where adjusted p <= alpha keeps
    the family-wise error rate at or below alpha.
    """
    p = np.asarray(p_values, dtype=np.float64)
    if np.any((p < 0) | (p > 1) | np.isnan(p)):
        raise ValueError(f"p-values must lie in [0, 1], got {list(p_values)}")
    return [float(value) for value in holm_arrays(p)]


def holm_arrays(p_values: Array) -> Array:
    """Holm's adjusted p-values along the last axis (one family per row)."""
    m = p_values.shape[-1]
    order = np.argsort(p_values, axis=-1, kind="stable")
    ranked = np.take_along_axis(p_values, order, axis=-1)
    scaled = np.minimum(1.0, np.maximum.accumulate(ranked * (m - np.arange(m)), axis=-1))
    adjusted = np.empty_like(scaled)
    np.put_along_axis(adjusted, order, scaled, axis=-1)
    return adjusted


def judge_cells(
    cells: Mapping[K, tuple[Sequence[float], Sequence[float]]],
    alpha: float = ALPHA,
    threshold_pct: float = THRESHOLD_PCT,
) -> dict[K, CellVerdict]:
    """Each cell's (A trials, B trials) judged, Holm-adjusted over all the cells given."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
    if threshold_pct < 0:
        raise ValueError(f"the practical threshold must be >= 0%, got {threshold_pct!r}")
    tested = {
        key: (welch_log_p(b, a), ratio_interval(b, a, 1 - alpha)) for key, (a, b) in cells.items()
    }
    adjusted = holm([p for p, _ in tested.values()])
    return {
        key: CellVerdict(WELCH_LOG, interval, p, p_adj, alpha, threshold_pct)
        for (key, (p, interval)), p_adj in zip(tested.items(), adjusted, strict=True)
    }
