"""The host's drift a run measured, and the fit of a host the drift simulation is made of."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from lab.analysis.blocked import Observation
from lab.analysis.drift import host_drift
from lab.analysis.driftfigures import FITTED_NOISE
from lab.analysis.driftmodels import (
    FITTED_CORRELATION_S,
    FITTED_ELASTICITY,
    FITTED_SD,
    FITTED_TRACE,
    FITTED_TREND_PER_MINUTE,
)
from lab.analysis.hostfit import fit_host, observations_from_rows, trace_rows
from lab.model.cell import Cell

CELLS = [Cell(app, scenario, 200) for scenario in ("hello", "hit") for app in ("flask", "aio")]
LEVELS = {CELLS[0]: 4000.0, CELLS[1]: 20_000.0, CELLS[2]: 2000.0, CELLS[3]: 5000.0}


def run_of(speeds: list[float], noise: float = 0.0, seed: int = 0) -> list[Observation]:
    """Every cell once a round, 12 s apart, its level times the round's host speed."""
    rng = np.random.default_rng(seed)
    found = []
    for number, speed in enumerate(speeds, start=1):
        for k, cell in enumerate(CELLS):
            t = ((number - 1) * len(CELLS) + k) * 12.0
            rps = LEVELS[cell] * speed * math.exp(noise * rng.standard_normal())
            found.append(Observation(cell, number, t, rps))
    return found


def test_the_hosts_speed_round_by_round_relative_to_its_mean() -> None:
    speeds = [1.2, 1.0, 0.9, 0.8]
    drift = host_drift(run_of(speeds))
    assert drift is not None
    mean = math.exp(np.mean(np.log(speeds)))
    assert drift.rounds == pytest.approx([s / mean for s in speeds])
    assert drift.change == pytest.approx(0.8 / 1.2 - 1)
    assert drift.spread == pytest.approx(1.2 / 0.8 - 1)
    assert drift.per_minute < 0


def test_a_round_missing_a_trial_does_not_move_the_others() -> None:
    speeds = [1.2, 1.0, 0.9, 0.8]
    observed = [o for o in run_of(speeds) if not (o.round == 2 and o.cell == CELLS[1])]
    drift = host_drift(observed)
    assert drift is not None
    mean = math.exp(np.mean(np.log(speeds)))
    assert drift.rounds == pytest.approx([s / mean for s in speeds])


def test_a_steady_host_has_no_drift() -> None:
    drift = host_drift(run_of([1.0] * 5))
    assert drift is not None
    assert (drift.change, drift.spread, drift.per_minute) == pytest.approx((0, 0, 0), abs=1e-12)


def test_one_round_says_nothing_of_drift() -> None:
    assert host_drift(run_of([1.0])) is None


def test_a_fit_finds_the_noise_and_the_drift_it_was_made_with() -> None:
    speeds = list(np.exp(0.1 * np.sin(np.arange(30) / 3)))
    fit = fit_host(run_of(speeds, noise=0.03, seed=4))
    assert fit.rounds == 30
    assert fit.trial_s == pytest.approx(12.0)
    assert fit.round_s == pytest.approx(48.0)
    assert fit.drift_sd == pytest.approx(np.std(np.log(speeds), ddof=1), rel=0.1)
    assert fit.drift_lag1 > 0.8
    for _, noise in fit.level_noise:
        assert noise == pytest.approx(0.03, rel=0.3)
    assert fit.correlation_s > 48.0


def test_a_trace_reads_back_as_it_was_written() -> None:
    observed = run_of([1.1, 0.9, 1.0], noise=0.05)
    lines = trace_rows(observed)
    assert lines[0] == "round,app,scenario,connections,time_s,rps"
    again = observations_from_rows(lines)
    assert [(o.cell, o.round) for o in again] == [(o.cell, o.round) for o in observed]
    assert [o.rps for o in again] == pytest.approx([o.rps for o in observed], rel=1e-6)


def test_a_damaged_trace_names_its_line() -> None:
    with pytest.raises(ValueError, match="trace line 2"):
        observations_from_rows(["round,app,scenario,connections,time_s,rps", "1,aio,hello,x,0,1"])
    with pytest.raises(ValueError, match="header"):
        observations_from_rows(["nope"])


def test_the_simulations_fitted_host_is_the_committed_traces() -> None:
    trace = Path(__file__).resolve().parents[3] / FITTED_TRACE
    fit = fit_host(observations_from_rows(trace.read_text().splitlines()))
    assert fit.drift_sd == pytest.approx(FITTED_SD, abs=0.0005)
    assert fit.correlation_s == pytest.approx(FITTED_CORRELATION_S, abs=0.5)
    assert fit.trend_per_minute == pytest.approx(FITTED_TREND_PER_MINUTE, abs=0.0005)
    felt = dict(fit.elasticity)
    # The simulation's app 0 is the baseline, flask; app 1 is aio.
    assert (felt["flask"], felt["aio"]) == pytest.approx(FITTED_ELASTICITY, abs=0.005)
    assert tuple(noise for _, noise in fit.level_noise) == pytest.approx(FITTED_NOISE, abs=0.0005)


def test_a_round_without_an_ok_trial_keeps_its_place_with_no_speed() -> None:
    speeds = [1.2, 1.0, 0.9, 0.8]
    observed = [o for o in run_of(speeds) if o.round != 2]
    drift = host_drift(observed)
    assert drift is not None
    assert drift.rounds[1] is None
    mean = math.exp(np.mean(np.log([1.2, 0.9, 0.8])))
    assert drift.by_round() == pytest.approx({1: 1.2 / mean, 3: 0.9 / mean, 4: 0.8 / mean})
    assert drift.change == pytest.approx(0.8 / 1.2 - 1)
