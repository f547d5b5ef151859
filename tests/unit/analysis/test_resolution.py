"""The resolution's power function: alpha at no change, the noncentral t at large n, and
resolutions that shrink with trials and grow with noise. Its simulated power is in
test_simulation."""

from __future__ import annotations

import math

import pytest
from scipy import stats  # type: ignore[import-untyped]

from lab.analysis.resolution import log_sigma, resolution, welch_power


@pytest.mark.parametrize(
    # Welch's test is conservative with few equal-sized samples; the sizes on the right
    # are Monte Carlo estimates from 200,000 pairs of normal samples.
    ("n", "size"),
    [(2, 0.0230), (3, 0.0348), (5, 0.0452), (20, 0.0494)],
)
def test_no_change_is_detected_at_most_alpha_of_the_time(n: int, size: float) -> None:
    assert welch_power(0.0, n, n) == pytest.approx(size, abs=0.0015)
    assert welch_power(0.0, n, n) <= 0.05


def test_at_many_trials_welch_power_is_the_noncentral_t() -> None:
    n, effect = 200, 0.3
    df, shift = 2 * (n - 1), effect / math.sqrt(2 / n)
    critical = stats.t.ppf(0.975, df)
    expected = stats.nct.sf(critical, df, shift) + stats.nct.cdf(-critical, df, shift)
    assert welch_power(effect, n, n) == pytest.approx(expected, abs=0.002)


def test_at_three_trials_welch_needs_more_than_a_fixed_df_of_four_promises() -> None:
    # Welch's df at 3 a side ranges over 2..4: less power than Student's t on df 4.
    shift = 3.0
    critical = stats.t.ppf(0.975, 4)
    student = stats.nct.sf(critical, 4, shift) + stats.nct.cdf(-critical, 4, shift)
    assert welch_power(shift * math.sqrt(2 / 3), 3, 3) < student - 0.03


def test_resolution_shrinks_with_trials_and_grows_with_noise() -> None:
    by_n = [resolution(0.10, n, n) for n in (3, 5, 10, 20)]
    assert by_n == sorted(by_n, reverse=True)
    assert resolution(0.02, 5, 5) < resolution(0.10, 5, 5) < resolution(0.25, 5, 5)
    assert resolution(0.0, 5, 5) == 0.0
    # Holm's first step over 4 cells tests at 1.25%: a coarser resolution.
    assert resolution(0.10, 5, 5, alpha=0.0125) > resolution(0.10, 5, 5)


def test_resolution_is_where_the_power_is_80_percent() -> None:
    change = resolution(0.10, 5, 5)
    assert welch_power(math.log1p(change) / log_sigma(0.10), 5, 5) == pytest.approx(0.8)


def test_resolution_names_its_bad_arguments() -> None:
    with pytest.raises(ValueError, match="2 trials a side, got 1 and 5"):
        resolution(0.1, 1, 5)
    with pytest.raises(ValueError, match="power must be between alpha and 1"):
        resolution(0.1, 5, 5, power=0.01)
    with pytest.raises(ValueError, match="CV must be >= 0"):
        resolution(-0.1, 5, 5)
