"""Seeded simulations of `lab history`'s step detection: how often it finds a step in a
series without one, and how often it finds a real one, under this host's noise between
runs (runs 5-15% apart, with a drift from run to run); docs/history.md quotes the table."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lab.analysis.steps import MIN_RUNS, PENALTY_PER_LOG_RUN, find_steps
from lab.analysis.stepsim import StepRates, every_step_setting, simulated_series, step_table

# Seconds of seeded simulation: the fast tier (make unit) leaves them to make test.
pytestmark = pytest.mark.sim

SERIES = 1000
SEED = 20261209


def slack(rate: float, draws: int, sigmas: float = 3.0) -> float:
    return sigmas * math.sqrt(rate * (1 - rate) / draws)


@pytest.fixture(scope="module")
def rates() -> list[StepRates]:
    return every_step_setting(SEED, SERIES)


def test_a_series_without_a_step_shows_one_in_at_most_5_percent(rates: list[StepRates]) -> None:
    for row in rates:
        assert row.false_steps <= 0.05, row


def test_a_20_percent_step_is_found_when_runs_differ_by_5_percent(rates: list[StepRates]) -> None:
    quiet = [row for row in rates if row.spread == 0.05]
    assert quiet
    for row in quiet:
        assert row.detection(0.20) >= 0.80 - slack(0.80, SERIES), row
    assert all(row.detection(0.20) >= 0.93 for row in quiet if row.runs == 12)


def test_more_runs_and_quieter_runs_find_more(rates: list[StepRates]) -> None:
    by = {(row.lag1, row.spread, row.runs): row for row in rates}
    for lag1 in (0.0, 0.5):
        # A 20% step among runs 15% apart is still found now and then; among runs 5% apart,
        # nearly always: the spread between runs, not the method, limits a history.
        assert by[lag1, 0.05, 12].detection(0.2) > by[lag1, 0.10, 12].detection(0.2)
        assert by[lag1, 0.10, 12].detection(0.2) > by[lag1, 0.15, 12].detection(0.2)
        assert by[lag1, 0.05, 12].detection(0.1) > by[lag1, 0.05, 6].detection(0.1) - 0.05


def test_the_penalty_is_the_least_half_multiple_that_holds_5_percent() -> None:
    # Under the drift between runs (lag-1 0.5), half a unit less lets more false steps in
    # than 5% of series at 9 runs, where its 95th percentile lies (about 4.7 ln n).
    rng = np.random.default_rng(SEED)
    series = [simulated_series(rng, 9, 0.10, 0.5) for _ in range(SERIES)]
    looser = PENALTY_PER_LOG_RUN - 0.5
    false_steps = sum(bool(find_steps(v, s, looser).steps) for v, s in series) / SERIES
    assert false_steps > 0.05


def test_the_table_names_every_setting(rates: list[StepRates]) -> None:
    lines = step_table(rates)
    assert len(lines) == 3 + len(rates)
    assert f"penalty {PENALTY_PER_LOG_RUN:g} ln n" in lines[0]
    assert f"pieces of {MIN_RUNS} runs" in lines[0]
    assert lines[2].split()[:4] == ["lag-1", "spread", "runs", "false"]
