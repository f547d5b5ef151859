"""Small-sample statistics for repeated trials: medians, spread and bootstrap intervals.

A handful of trials is neither normal nor large, so intervals come from a percentile
bootstrap rather than a t-interval, and the median is the centre. Every resampling is
driven by a seeded random.Random so the same data always gives the same interval.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Callable, Sequence

Statistic = Callable[[Sequence[float]], float]


def median(values: Sequence[float]) -> float:
    """The median; raises ValueError when `values` is empty."""
    if not values:
        raise ValueError("median of no values")
    return float(statistics.median(values))


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


def bootstrap_ci(
    values: Sequence[float],
    statistic: Statistic = median,
    confidence: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile-bootstrap interval of `statistic` over `values`.

    Deterministic for a given seed. A single value gives (v, v): there is nothing to
    resample, and the interval says so rather than inventing spread.
    """
    _check(confidence, resamples)
    if not values:
        raise ValueError("bootstrap interval of no values")
    rng = random.Random(seed)
    estimates = [statistic(rng.choices(values, k=len(values))) for _ in range(resamples)]
    return _percentile_interval(estimates, confidence)


def ratio_ci(
    numerators: Sequence[float],
    denominators: Sequence[float],
    statistic: Statistic = median,
    confidence: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile-bootstrap interval of statistic(numerators) / statistic(denominators).

    The two samples come from independent trials, so each is resampled on its own.
    Denominators must be positive (they are rates), so no resample divides by zero.
    """
    _check(confidence, resamples)
    if not numerators or not denominators:
        raise ValueError("ratio interval needs at least one numerator and one denominator")
    if any(not d > 0 for d in denominators):
        raise ValueError(f"ratio interval needs positive denominators, got {list(denominators)}")
    rng = random.Random(seed)
    estimates = [
        statistic(rng.choices(numerators, k=len(numerators)))
        / statistic(rng.choices(denominators, k=len(denominators)))
        for _ in range(resamples)
    ]
    return _percentile_interval(estimates, confidence)


def _check(confidence: float, resamples: int) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence!r}")
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, got {resamples!r}")


def _percentile_interval(estimates: list[float], confidence: float) -> tuple[float, float]:
    ordered = sorted(estimates)
    tail = (1 - confidence) / 2
    return _quantile(ordered, tail), _quantile(ordered, 1 - tail)


def _quantile(ordered: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default method)."""
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    if ordered[low] == ordered[high]:
        # Exact when neighbours agree, so a single value gives exactly (v, v).
        return float(ordered[low])
    return float(ordered[low] + (ordered[high] - ordered[low]) * (position - low))
