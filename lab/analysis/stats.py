"""Small-sample statistics for repeated trials: centres and spread.

Intervals, with the levels they achieve, are lab.analysis.intervals'.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def median(values: Sequence[float]) -> float:
    """The median; raises ValueError when `values` is empty."""
    if not values:
        raise ValueError("median of no values")
    return float(statistics.median(values))


def geometric_mean(values: Sequence[float]) -> float:
    """exp(mean log): the centre of multiplicative noise. Values must be positive."""
    if not values or not all(value > 0 for value in values):
        raise ValueError(f"geometric mean needs positive values, got {list(values)}")
    return math.exp(statistics.fmean(math.log(value) for value in values))


def cv(values: Sequence[float]) -> float | None:
    """Coefficient of variation: sample stdev / mean.

    0.0 for a single value (no spread observed), None for no values or a zero mean
    (where the ratio means nothing).
    """
    if not values:
        return None
    if len(values) == 1:
        return 0.0
    mean = statistics.fmean(values)
    if mean == 0:
        return None
    return statistics.stdev(values) / mean
