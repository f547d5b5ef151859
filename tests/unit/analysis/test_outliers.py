"""Grubbs' limits against the published table, and which trials it flags."""

from __future__ import annotations

import numpy as np
import pytest

from lab.analysis.outliers import find_outlier, flag_rows, grubbs_limit, grubbs_scores


@pytest.mark.parametrize(
    # Two-sided 5% critical values of G (Grubbs 1969; NIST/SEMATECH e-Handbook 1.3.5.17).
    ("n", "limit"),
    [(3, 1.1543), (5, 1.7150), (10, 2.2900), (20, 2.7082)],
)
def test_grubbs_limit_matches_the_table(n: int, limit: float) -> None:
    assert grubbs_limit(n) == pytest.approx(limit, abs=1e-4)


def test_a_slow_trial_among_steady_ones_is_flagged() -> None:
    outlier = find_outlier([100.0, 101.0, 99.0, 100.0, 70.0])
    assert outlier is not None
    assert (outlier.position, outlier.value) == (4, 70.0)
    assert outlier.score > outlier.limit == grubbs_limit(5)


def test_spread_without_a_stray_trial_is_not_flagged() -> None:
    assert find_outlier([90.0, 95.0, 100.0, 105.0, 110.0]) is None
    assert find_outlier([100.0, 100.0, 100.0]) is None
    assert find_outlier([100.0, 50.0]) is None  # too few to call either one outlying


def test_find_outlier_refuses_rates_that_are_not_positive() -> None:
    with pytest.raises(ValueError, match="must be positive and finite"):
        find_outlier([100.0, 0.0, 100.0])


def test_rows_agree_with_the_scalar_rule() -> None:
    rows = np.array([[100.0, 101.0, 99.0, 100.0, 70.0], [90.0, 95.0, 100.0, 105.0, 110.0]])
    assert list(flag_rows(rows)) == [1.0, 0.0]
    assert grubbs_scores(np.array([[5.0, 5.0, 5.0]]))[0] == 0.0
    assert list(flag_rows(rows[:, :2])) == [0.0, 0.0]


def test_differences_below_what_was_measured_are_ties_not_outliers() -> None:
    # Found by hypothesis: at 3 trials, two equal values and a third one ulp away gave
    # Grubbs' maximum G, a flag, in one unit and none in another.
    assert find_outlier([1.0, 1.0, 1.0000000000000002]) is None
    assert find_outlier([0.125, 0.125, 0.12500000000000003]) is None
    assert find_outlier([1000.0, 1000.0, 1000.001]) is not None  # a millionth is measured
