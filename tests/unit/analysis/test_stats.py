from __future__ import annotations

import math

import pytest

from lab.analysis.stats import cv, geometric_mean, median

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


def test_geometric_mean_is_the_exp_of_the_mean_log() -> None:
    assert geometric_mean([1.0, 100.0]) == pytest.approx(10.0)
    assert geometric_mean([5.0]) == pytest.approx(5.0)
    with pytest.raises(ValueError, match="positive values"):
        geometric_mean([1.0, 0.0])
    with pytest.raises(ValueError, match="positive values"):
        geometric_mean([])
