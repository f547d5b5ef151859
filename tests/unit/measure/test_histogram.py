"""The generator's histogram layout, merging and percentiles, against known values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lab.measure.histogram import bucket_bounds, bucket_of, from_values, merge, percentiles

VALUES = st.integers(min_value=0, max_value=120_000_000)


@given(VALUES)
def test_every_value_lies_in_its_bucket_within_a_thousandth(value: int) -> None:
    low, high = bucket_bounds(bucket_of(value))
    assert low <= value <= high
    assert high - low <= max(1, value) / 1024


def test_the_buckets_tile_the_line_without_gaps() -> None:
    previous = -1
    for index in range(40_000):
        low, high = bucket_bounds(index)
        assert low == previous + 1
        previous = high


@given(st.lists(VALUES, min_size=1, max_size=400), st.sampled_from([50.0, 90.0, 99.0, 99.9]))
def test_a_percentile_is_never_below_the_true_one_and_at_most_a_bucket_above(
    values: list[int], percent: float
) -> None:
    exact = int(np.percentile(values, percent, method="inverted_cdf"))
    found = from_values(values).percentile(percent)
    assert exact <= found <= bucket_bounds(bucket_of(exact))[1]


@given(st.lists(VALUES, min_size=1), st.lists(VALUES, min_size=1))
def test_merging_is_the_histogram_of_all_the_values(a: list[int], b: list[int]) -> None:
    assert merge([from_values(a), from_values(b)]) == from_values(a + b)


def test_merged_percentiles_are_not_averaged_percentiles() -> None:
    # One quiet trial and one with a 500 ms stall in 5% of its requests: the merge's p99
    # sees the stall (2.5% of all requests), the mean of the two p99s would not be it.
    quiet = from_values([1_000] * 1_000)
    stalled = from_values([1_000] * 950 + [500_000] * 50)
    figures = percentiles(merge([quiet, stalled]))
    assert figures["p50"] == 1_000 and figures["max"] == 500_000
    assert figures["p99"] == pytest.approx(500_000, rel=1e-3)
