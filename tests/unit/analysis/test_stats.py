from __future__ import annotations

import math
import statistics

import pytest

from lab.analysis.stats import bootstrap_ci, cv, median, ratio_ci

RPS = [100.0, 102.0, 98.0, 101.0, 99.0]


def test_median_of_odd_and_even_counts() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5
    assert median([7]) == 7.0


def test_median_of_nothing_raises() -> None:
    with pytest.raises(ValueError, match="median of no values"):
        median([])


def test_cv_is_sample_stdev_over_mean() -> None:
    values = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]
    # mean 5; squared deviations 9+1+1+1+0+0+4+16 = 32; sample variance 32/7.
    assert cv(values) == pytest.approx(math.sqrt(32 / 7) / 5)
    # mean 100; squared deviations 0+4+4+1+1 = 10; sample variance 10/4.
    assert cv(RPS) == pytest.approx(math.sqrt(2.5) / 100)


def test_cv_edge_cases() -> None:
    assert cv([42.0]) == 0.0
    assert cv([]) is None
    assert cv([0.0, 0.0]) is None


def test_bootstrap_ci_contains_the_median_and_stays_within_the_data() -> None:
    low, high = bootstrap_ci(RPS)

    assert low <= median(RPS) <= high
    assert min(RPS) <= low < high <= max(RPS)


def test_bootstrap_ci_of_two_values_spans_both() -> None:
    # Resampled medians of [0, 10] are 0, 5 or 10 with chances 1/4, 1/2, 1/4, so the
    # 2.5th and 97.5th percentiles of 2000 resamples are the extremes.
    assert bootstrap_ci([0.0, 10.0]) == (0.0, 10.0)


def test_bootstrap_ci_narrows_with_more_data() -> None:
    low, high = bootstrap_ci(RPS)
    more_low, more_high = bootstrap_ci(RPS * 4)

    assert more_high - more_low < high - low
    assert more_low <= median(RPS) <= more_high


def test_bootstrap_ci_narrows_with_lower_confidence() -> None:
    values = [float(v) for v in range(1, 21)]
    low95, high95 = bootstrap_ci(values)
    low50, high50 = bootstrap_ci(values, confidence=0.5)

    assert low95 <= low50 <= high50 <= high95
    assert high50 - low50 < high95 - low95


def test_bootstrap_ci_is_deterministic_by_seed() -> None:
    values = [float(v) for v in range(1, 11)]

    assert bootstrap_ci(values, seed=7) == bootstrap_ci(values, seed=7)
    intervals = {bootstrap_ci(values, resamples=50, seed=seed) for seed in range(10)}
    assert len(intervals) > 1


def test_bootstrap_ci_of_one_value_is_that_value() -> None:
    assert bootstrap_ci([1234.5]) == (1234.5, 1234.5)
    assert bootstrap_ci([3.0, 3.0, 3.0]) == (3.0, 3.0)


def test_bootstrap_ci_takes_another_statistic() -> None:
    low, high = bootstrap_ci(RPS, statistic=statistics.fmean)

    assert low <= statistics.fmean(RPS) <= high


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"values": []}, "bootstrap interval of no values"),
        ({"values": RPS, "confidence": 1.0}, "confidence must be between 0 and 1"),
        ({"values": RPS, "confidence": 0.0}, "confidence must be between 0 and 1"),
        ({"values": RPS, "resamples": 0}, "resamples must be at least 1"),
    ],
)
def test_bootstrap_ci_rejects_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        bootstrap_ci(**kwargs)  # type: ignore[arg-type]


def test_ratio_ci_contains_the_ratio_of_medians() -> None:
    numerators = [500.0, 520.0, 510.0]
    denominators = [100.0, 101.0, 99.0]

    low, high = ratio_ci(numerators, denominators)

    assert low <= 510.0 / 100.0 <= high
    # Extremes a resample can reach: 500/101 and 520/99.
    assert 500 / 101 <= low < high <= 520 / 99


def test_ratio_ci_of_single_values_is_their_ratio() -> None:
    assert ratio_ci([540.0], [100.0]) == (5.4, 5.4)


def test_ratio_ci_is_deterministic_and_resamples_both_sides() -> None:
    numerators = [500.0, 520.0, 510.0, 530.0]
    denominators = [100.0, 90.0, 110.0, 105.0]

    first = ratio_ci(numerators, denominators, seed=3)

    assert first == ratio_ci(numerators, denominators, seed=3)
    # Fixed numerators: the spread comes from the denominators alone, and vice versa.
    assert ratio_ci([510.0], denominators)[0] < ratio_ci([510.0], denominators)[1]
    assert ratio_ci(numerators, [100.0])[0] < ratio_ci(numerators, [100.0])[1]


def test_ratio_ci_rejects_empty_and_non_positive_denominators() -> None:
    with pytest.raises(ValueError, match="at least one numerator and one denominator"):
        ratio_ci([], [1.0])
    with pytest.raises(ValueError, match="positive denominators"):
        ratio_ci([1.0], [2.0, 0.0])
