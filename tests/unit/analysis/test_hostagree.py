"""The hosts' agreement: the one-way F test, the between-host sd and its interval."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats  # type: ignore[import-untyped]

from lab.analysis.hostagree import f_test_arrays, one_way


def random_groups(rng: np.random.Generator) -> list[list[float]]:
    hosts = int(rng.integers(2, 5))
    return [
        list(rng.normal(rng.normal(0, 0.1), 0.1, int(rng.integers(1, 6)))) for _ in range(hosts)
    ]


def test_the_f_test_is_scipys_one_way_anova_balanced_or_not() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        groups = random_groups(rng)
        test = one_way(groups)
        if test is None:
            continue
        assert test.p_value == pytest.approx(stats.f_oneway(*groups).pvalue, abs=1e-9)


def test_the_interval_leaves_0_exactly_when_the_test_rejects_at_its_one_sided_level() -> None:
    rng = np.random.default_rng(4)
    for _ in range(500):
        test = one_way(random_groups(rng))
        if test is None:
            continue
        assert (test.sd_between_low > 0) == (test.p_value < 0.025)
        assert test.sd_between_low <= test.sd_between <= test.sd_between_high


def test_hosts_far_apart_are_told_apart_and_alike_hosts_are_not() -> None:
    apart = one_way([[0.0, 0.01, -0.01], [0.2, 0.21, 0.19], [0.0, 0.02, -0.02]])
    assert apart is not None and apart.p_value < 0.001
    assert apart.df_between == 2 and apart.df_within == 6
    # Group means 0, 0.2, 0: their sd is 0.115, less the rounds' share.
    assert apart.sd_between == pytest.approx(0.1155, abs=0.002)
    alike = one_way([[0.0, 0.05, -0.05], [0.01, 0.06, -0.04]])
    assert alike is not None and alike.p_value > 0.5 and alike.sd_between == 0.0


def test_without_two_hosts_or_a_spread_within_one_there_is_no_test() -> None:
    assert one_way([[0.1, 0.2, 0.3]]) is None
    assert one_way([[0.1], [0.2], [0.3]]) is None
    assert one_way([[0.1], [], [0.2, 0.3]]) is not None


def test_the_simulations_vectorised_test_is_the_same_test() -> None:
    rng = np.random.default_rng(5)
    values = rng.normal(0, 0.1, (50, 3, 4)) + rng.normal(0, 0.1, (50, 3, 1))
    p = f_test_arrays(values)
    for run in range(50):
        test = one_way([list(host) for host in values[run]])
        assert test is not None and math.isclose(p[run], test.p_value, abs_tol=1e-9)
