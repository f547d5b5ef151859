"""Seeded simulations of `hosts-disagree`: at most its 5% of false alarms under drift,
AR(1) and steps within hosts, and the power to see one host's ratio 20% off at 3 hosts x
4 rounds (docs/shards.md quotes the table)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lab.analysis.hostsim import HostDesign, host_drifts, host_figures

pytestmark = pytest.mark.sim

RUNS = 3000
DRIFTS = host_drifts()
# 3 sigma of a 5% rate over RUNS runs.
SLACK = 3 * math.sqrt(0.05 * 0.95 / RUNS)


@pytest.mark.parametrize("name", list(DRIFTS))
def test_hosts_that_agree_are_said_to_disagree_5_percent_of_the_time_or_less(name: str) -> None:
    figures = host_figures(np.random.default_rng(len(name)), HostDesign(), name, DRIFTS[name], RUNS)
    assert figures.false_alarms <= 0.05 + SLACK
    # The between-host sd's 95% interval covers a true sd of 10%.
    assert figures.sd_coverage >= 0.91


@pytest.mark.parametrize(
    ("name", "power"),
    [
        ("no drift", 0.85),
        ("AR(1) 0.5/min", 0.75),
        ("AR(1) 0.9/min", 0.8),
        ("fitted host", 0.55),
        ("decline 40%", 0.5),
        ("step 30%", 0.3),
    ],
)
def test_one_host_20_percent_off_is_seen_at_3_hosts_of_4_rounds(name: str, power: float) -> None:
    figures = host_figures(np.random.default_rng(11), HostDesign(), name, DRIFTS[name], RUNS)
    assert figures.power >= power
