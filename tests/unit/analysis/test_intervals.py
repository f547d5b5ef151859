"""Intervals checked by hand on small cases: ranks and levels against binomial sums, the
Welch interval against its textbook formula, the Mann-Whitney distribution against scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy import stats  # type: ignore[import-untyped]

from lab.analysis.intervals import (
    HODGES_LEHMANN,
    ORDER_STATISTICS,
    WELCH_LOG,
    mann_whitney_cdf,
    median_interval,
    median_ranks,
    ratio_interval,
    shift_interval,
    shift_ranks,
    welch_log_p,
)

RATES = st.lists(st.floats(1.0, 1e6), min_size=2, max_size=12)


def binomial_level(n: int, k: int) -> float:
    """1 - 2 P(Bin(n, 1/2) <= k - 1), summed by hand."""
    return 1 - 2 * sum(math.comb(n, i) for i in range(k)) / 2**n


@pytest.mark.parametrize(
    ("n", "ranks", "level"),
    [
        (1, (1, 1), 0.0),
        (2, (1, 2), 0.5),
        (3, (1, 3), 1 - 2 / 8),  # min to max, the best there is: 75%
        (5, (1, 5), 1 - 2 / 32),  # 93.75%: still short of 95%
        (6, (1, 6), 1 - 2 / 64),  # the first n at which 95% is reachable
        (10, (2, 9), 1 - 2 * (1 + 10) / 1024),
        (20, (6, 15), binomial_level(20, 6)),
    ],
)
def test_median_ranks_match_binomial_sums(n: int, ranks: tuple[int, int], level: float) -> None:
    low, high, achieved = median_ranks(n)
    assert (low, high) == ranks
    assert achieved == pytest.approx(level)


@pytest.mark.parametrize("n", range(6, 40))
def test_median_ranks_are_the_narrowest_reaching_95(n: int) -> None:
    k, _, level = median_ranks(n)
    assert level >= 0.95
    assert binomial_level(n, k + 1) < 0.95


def test_a_lower_request_gives_a_narrower_interval() -> None:
    # At n = 5: k = 2 gives 1 - 2 * 6/32 = 62.5%, k = 3 gives 0.
    assert median_ranks(5, 0.5) == (2, 4, 0.625)


def test_median_interval_says_it_is_short_of_95_at_three_trials() -> None:
    interval = median_interval([24_000.0, 16_500.0, 24_200.0])
    assert (interval.estimate, interval.low, interval.high) == (24_000.0, 16_500.0, 24_200.0)
    assert interval.level == 0.75
    assert interval.requested == 0.95
    assert interval.short_of_request
    assert interval.method == ORDER_STATISTICS


def test_median_interval_at_ten_trials_reaches_the_request() -> None:
    interval = median_interval([float(v) for v in range(10, 0, -1)])
    assert (interval.low, interval.high) == (2.0, 9.0)
    assert not interval.short_of_request
    assert interval.contains(5.5)


def test_one_trial_is_a_point_with_no_confidence() -> None:
    interval = median_interval([7.0])
    assert (interval.low, interval.high, interval.level) == (7.0, 7.0, 0.0)


def test_median_interval_refuses_nothing_and_bad_levels() -> None:
    with pytest.raises(ValueError, match="at least 1 trial"):
        median_interval([])
    with pytest.raises(ValueError, match="between 0 and 1"):
        median_interval([1.0, 2.0], 1.0)


def test_ratio_interval_is_the_textbook_welch_interval_on_logs() -> None:
    b, a = [110.0, 121.0, 115.0], [100.0, 104.0, 98.0, 101.0]
    lb, la = np.log(b), np.log(a)
    va, vb = la.var(ddof=1) / 4, lb.var(ddof=1) / 3
    df = (va + vb) ** 2 / (va**2 / 3 + vb**2 / 2)
    half = stats.t.ppf(0.975, df) * math.sqrt(va + vb)
    diff = lb.mean() - la.mean()
    interval = ratio_interval(b, a)
    assert interval.estimate == pytest.approx(math.exp(diff))
    assert interval.low == pytest.approx(math.exp(diff - half))
    assert interval.high == pytest.approx(math.exp(diff + half))
    assert (interval.level, interval.method) == (0.95, WELCH_LOG)
    t = diff / math.sqrt(va + vb)
    assert welch_log_p(b, a) == pytest.approx(2 * stats.t.sf(abs(t), df))


@given(RATES, RATES, st.floats(0.01, 100.0))
def test_ratio_interval_is_scale_free_and_swaps_to_its_reciprocal(
    b: list[float], a: list[float], scale: float
) -> None:
    # Nearly constant samples make the interval a matter of rounding, not of statistics.
    assume(np.ptp(np.log(a)) > 1e-6 and np.ptp(np.log(b)) > 1e-6)
    interval = ratio_interval(b, a)
    scaled = ratio_interval([v * scale for v in b], [v * scale for v in a])
    swapped = ratio_interval(a, b)
    assert scaled.low == pytest.approx(interval.low, rel=1e-9)
    assert swapped.low == pytest.approx(1 / interval.high, rel=1e-9)
    assert interval.low <= interval.estimate <= interval.high


def test_ratio_without_spread_is_known_exactly() -> None:
    same = ratio_interval([100.0, 100.0], [100.0, 100.0])
    assert (same.low, same.estimate, same.high) == (1.0, 1.0, 1.0)
    assert welch_log_p([100.0, 100.0], [100.0, 100.0]) == 1.0
    assert welch_log_p([200.0, 200.0], [100.0, 100.0]) == 0.0
    assert ratio_interval([200.0, 200.0], [100.0, 100.0]).low == pytest.approx(2.0)


def test_ratio_interval_names_what_it_needs() -> None:
    with pytest.raises(ValueError, match="denominators: need at least 2 trials, got 1"):
        ratio_interval([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="numerators: req/s values must be positive"):
        ratio_interval([1.0, 0.0], [1.0, 2.0])


@pytest.mark.parametrize(("m", "n"), [(1, 1), (2, 3), (3, 3), (4, 5), (6, 4)])
def test_mann_whitney_distribution_matches_scipy_exact_p_values(m: int, n: int) -> None:
    cdf = mann_whitney_cdf(m, n)
    assert len(cdf) == m * n + 1
    assert cdf[-1] == pytest.approx(1.0)
    rng = np.random.default_rng(m * 10 + n)
    for _ in range(30):
        x, y = rng.random(m), rng.random(n)
        result = stats.mannwhitneyu(x, y, alternative="less", method="exact")
        assert cdf[int(result.statistic)] == pytest.approx(result.pvalue)


def test_shift_ranks_at_three_a_side_reach_90_not_95() -> None:
    # U = 0 has probability 1 / C(6, 3) = 1/20: min to max of the 9 differences is 90%.
    assert shift_ranks(3, 3) == (1, 9, pytest.approx(0.9))
    k, high, level = shift_ranks(10, 10)
    assert level >= 0.95
    assert 1 - 2 * mann_whitney_cdf(10, 10)[k] < 0.95
    assert high == 101 - k


def test_shift_interval_is_the_median_of_pairwise_ratios() -> None:
    interval = shift_interval([2.0, 4.0], [1.0])
    assert interval.estimate == pytest.approx(math.sqrt(8))  # geometric middle of 2x and 4x
    assert (interval.low, interval.high) == (pytest.approx(2.0), pytest.approx(4.0))
    assert interval.level == pytest.approx(1 - 2 / 3)
    assert interval.method == HODGES_LEHMANN
    assert interval.short_of_request
