"""Confidence intervals that state the confidence they achieve, not the one asked for.

Three kinds, each an `Interval` naming its method and its achieved level:

- `median_interval`: distribution-free, from order statistics. The interval between the
  k-th smallest and k-th largest of n trials covers the true median with probability
  1 - 2 * P(Binomial(n, 1/2) <= k - 1), whatever the distribution (continuous). The
  largest k reaching the requested level gives the narrowest such interval; when even
  k = 1 (min to max) falls short, that is returned with its true level: 75% at 3 trials,
  93.75% at 5, never 95% below 6.
- `ratio_interval`: the ratio of geometric means B/A, a Welch t-interval on the
  difference of mean log req/s, exponentiated. Logs, because throughput noise is
  multiplicative; Welch, because two apps (or runs) need not be equally noisy. Exact for
  lognormal trials; 95% at any n >= 2 a side, but only as good as that assumption.
- `shift_interval`: Hodges-Lehmann ratio B/A (the median of all pairwise ratios) with
  the exact Mann-Whitney interval, distribution-free for a pure shift of log req/s; its
  level is capped by the sample sizes (90% at 3 a side).

Each has an array form (the `*_arrays` / `*_ranks` functions) taking trials along the
last axis: the simulation measures the very code the lab reports with.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
from scipy import stats  # type: ignore[import-untyped]

Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

ORDER_STATISTICS = "order statistics (binomial)"
WELCH_LOG = "Welch t on log req/s"
HODGES_LEHMANN = "Hodges-Lehmann, exact Mann-Whitney"
DEFAULT_LEVEL = 0.95


@dataclass(frozen=True, slots=True)
class Interval:
    """An estimate, its interval, and the confidence the interval truly has.

    `level` is the achieved coverage probability (under the method's assumptions);
    `requested` what the caller asked for. `level < requested` means the data cannot
    give the requested confidence by this method: report `level`, not `requested`.
    """

    estimate: float
    low: float
    high: float
    level: float
    method: str
    requested: float = DEFAULT_LEVEL

    @property
    def short_of_request(self) -> bool:
        # A hair of float error must not turn 95% into "short".
        return self.level < self.requested - 1e-9

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"confidence level must be between 0 and 1, got {level!r}")


def _positive(name: str, values: Sequence[float], at_least: int) -> Array:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or len(array) < at_least:
        raise ValueError(f"{name}: need at least {at_least} trials, got {len(array)}")
    if not (np.all(np.isfinite(array)) and np.all(array > 0)):
        raise ValueError(f"{name}: req/s values must be positive and finite, got {list(values)}")
    return array


# --- the median, from order statistics ---------------------------------------------------


@cache
def median_ranks(n: int, level: float = DEFAULT_LEVEL) -> tuple[int, int, float]:
    """1-based ranks (k, n + 1 - k) of the median interval of n trials, and its level.

    The largest k with 1 - 2 * binom.cdf(k - 1, n, 1/2) >= level; k = 1 and its (lower)
    level when no k reaches it. n = 1 gives (1, 1, 0.0): a point, no confidence.
    """
    _check_level(level)
    if n < 1:
        raise ValueError(f"a median interval needs at least 1 trial, got {n}")
    ks = np.arange(1, (n + 1) // 2 + 1)
    levels = 1 - 2 * stats.binom.cdf(ks - 1, n, 0.5)
    reaching = ks[levels >= level - 1e-12]
    k = int(reaching[-1]) if len(reaching) else 1
    return k, n + 1 - k, float(levels[k - 1])


def median_interval(values: Sequence[float], level: float = DEFAULT_LEVEL) -> Interval:
    """The sample median with its order-statistic interval (see module doc)."""
    array = np.sort(np.asarray(values, dtype=np.float64))
    if array.ndim != 1 or len(array) == 0:
        raise ValueError("a median interval needs at least 1 trial, got none")
    low, high, achieved = median_ranks(len(array), level)
    return Interval(
        float(np.median(array)),
        float(array[low - 1]),
        float(array[high - 1]),
        achieved,
        ORDER_STATISTICS,
        level,
    )


# --- ratio of geometric means, Welch t on logs ---------------------------------------------


@dataclass(frozen=True, slots=True)
class WelchLog:
    """Welch's t-test of mean log(B) - mean log(A), arrays over the leading axes."""

    estimate: Array  # exp(difference of mean logs): the ratio of geometric means B/A
    low: Array
    high: Array
    p_value: Array  # two-sided
    df: Array


def welch_log_arrays(
    numerators: Array, denominators: Array, level: float = DEFAULT_LEVEL
) -> WelchLog:
    """Welch's test and interval on log req/s, trials along the last axis.

    Where neither sample varies, the ratio is known exactly: the interval is a point and
    p is 1 if the samples agree, 0 if they do not (scipy would answer nan).
    """
    _check_level(level)
    log_b, log_a = np.log(numerators), np.log(denominators)
    difference = log_b.mean(axis=-1) - log_a.mean(axis=-1)
    flat = (np.ptp(log_b, axis=-1) == 0) & (np.ptp(log_a, axis=-1) == 0)
    # Give scipy a harmless stand-in where neither side varies, then overwrite those cells.
    stand_in_b = np.where(flat[..., None], np.arange(log_b.shape[-1]), log_b)
    stand_in_a = np.where(flat[..., None], np.arange(log_a.shape[-1]), log_a)
    with warnings.catch_warnings():
        # One side without spread is legitimate (its variance is 0, and Welch's test
        # copes); scipy's warning about "nearly identical" data would only alarm a reader.
        warnings.filterwarnings("ignore", "Precision loss", RuntimeWarning)
        result = stats.ttest_ind(stand_in_b, stand_in_a, axis=-1, equal_var=False)
    ci = result.confidence_interval(level)
    p = np.where(flat, np.where(difference == 0, 1.0, 0.0), result.pvalue)
    low = np.where(flat, difference, ci.low)
    high = np.where(flat, difference, ci.high)
    return WelchLog(
        np.exp(difference),
        np.exp(low),
        np.exp(high),
        np.asarray(p, dtype=np.float64),
        np.asarray(result.df, dtype=np.float64),
    )


def ratio_interval(
    numerators: Sequence[float], denominators: Sequence[float], level: float = DEFAULT_LEVEL
) -> Interval:
    """Ratio of geometric means B/A with its Welch t-interval on logs (see module doc).

    Needs 2 trials a side: one trial has no spread to build a t-interval from.
    """
    b = _positive("numerators", numerators, 2)
    a = _positive("denominators", denominators, 2)
    welch = welch_log_arrays(b, a, level)
    return Interval(
        float(welch.estimate), float(welch.low), float(welch.high), level, WELCH_LOG, level
    )


def welch_log_p(numerators: Sequence[float], denominators: Sequence[float]) -> float:
    """Two-sided p of Welch's t-test on log req/s, B against A."""
    b = _positive("numerators", numerators, 2)
    a = _positive("denominators", denominators, 2)
    return float(welch_log_arrays(b, a).p_value)


# --- Hodges-Lehmann shift, exact Mann-Whitney interval ----------------------------------


@cache
def mann_whitney_cdf(m: int, n: int) -> tuple[float, ...]:
    """P(U <= u) for u = 0 .. m * n, U the Mann-Whitney statistic of m and n untied values.

    Counts arrangements with the recurrence c(m, n, u) = c(m - 1, n, u - n) + c(m, n - 1, u)
    (is the largest value from the first sample or the second?). scipy exposes p-values
    but not this distribution, which the interval's ranks need.
    """
    if m < 1 or n < 1:
        raise ValueError(f"the Mann-Whitney distribution needs m, n >= 1, got {m}, {n}")
    # counts[j] holds c(i, j, .) for the current i, as integer arrays of length i * j + 1.
    counts = [np.ones(1, dtype=object) for _ in range(n + 1)]
    for i in range(1, m + 1):
        row = [np.ones(1, dtype=object)]
        for j in range(1, n + 1):
            current = np.zeros(i * j + 1, dtype=object)
            current[j:] += counts[j]
            current[: len(row[j - 1])] += row[j - 1]
            row.append(current)
        counts = row
    total = math.comb(m + n, m)
    return tuple(float(c) / total for c in np.cumsum(counts[n]))


@cache
def shift_ranks(m: int, n: int, level: float = DEFAULT_LEVEL) -> tuple[int, int, float]:
    """1-based ranks (k, mn + 1 - k) among the m * n sorted pairwise differences, and level.

    The largest k with 1 - 2 * P(U <= k - 1) >= level; k = 1 and its level when none does.
    """
    _check_level(level)
    cdf = mann_whitney_cdf(m, n)
    levels = [1 - 2 * cdf[k - 1] for k in range(1, (m * n + 1) // 2 + 1)]
    reaching = [k for k, achieved in enumerate(levels, start=1) if achieved >= level - 1e-12]
    k = reaching[-1] if reaching else 1
    return k, m * n + 1 - k, levels[k - 1]


def shift_arrays(
    numerators: Array, denominators: Array, level: float = DEFAULT_LEVEL
) -> tuple[Array, Array, Array, float]:
    """Hodges-Lehmann ratio B/A and its exact interval, trials along the last axis."""
    differences = np.log(numerators)[..., :, None] - np.log(denominators)[..., None, :]
    flat = np.sort(differences.reshape(*differences.shape[:-2], -1), axis=-1)
    low, high, achieved = shift_ranks(numerators.shape[-1], denominators.shape[-1], level)
    estimate = np.median(flat, axis=-1)
    return np.exp(estimate), np.exp(flat[..., low - 1]), np.exp(flat[..., high - 1]), achieved


def shift_interval(
    numerators: Sequence[float], denominators: Sequence[float], level: float = DEFAULT_LEVEL
) -> Interval:
    """Hodges-Lehmann ratio B/A with its exact Mann-Whitney interval (see module doc)."""
    b = _positive("numerators", numerators, 1)
    a = _positive("denominators", denominators, 1)
    estimate, low, high, achieved = shift_arrays(b, a, level)
    return Interval(float(estimate), float(low), float(high), achieved, HODGES_LEHMANN, level)
