"""The drifts a simulated run can meet: the host's speed over time, and who feels it.

A drift is a function of the times (seconds) at which trials are measured, returning the
host's log speed factor there, one row per simulated run. `DriftModel` adds how much of
it each app feels and whether a cell's own noise carries from round to round. The
models' sizes are either the issue's stress cases or fitted to this host's traces
(lab.analysis.hostfit on docs/traces/); lab.analysis.driftsim runs them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from lab.analysis.intervals import Array

# The shared drift: log speed factors at the given times (seconds), one row per run.
Shared = Callable[[np.random.Generator, int, Array, float], Array]


@dataclass(frozen=True, slots=True)
class DriftModel:
    """What moves a trial besides its own noise: the host's drift, how much of it each
    app feels (`elasticity`, by app number: 1 for all is a drift shared alike; a missing
    app feels 1), and whether each cell's own noise carries from round to round (AR(1)
    with `cell_phi`)."""

    name: str
    shared: Shared | None = None
    cell_phi: float = 0.0
    elasticity: tuple[float, ...] = ()

    def felt(self, apps: int) -> Array:
        return np.array(
            [self.elasticity[a] if a < len(self.elasticity) else 1.0 for a in range(apps)]
        )


def no_drift(_rng: np.random.Generator, runs: int, times: Array, _run_s: float) -> Array:
    return np.zeros((runs, *times.shape))


def ornstein_uhlenbeck(sd: float, correlation_s: float) -> Shared:
    """A stationary drift of marginal sd `sd` (logs) whose correlation falls by 1/e in
    `correlation_s` seconds: AR(1) sampled at any times (phi = exp(-gap / correlation_s))."""

    def drift(rng: np.random.Generator, runs: int, times: Array, _run_s: float) -> Array:
        flat = times.ravel()
        values = np.empty((runs, flat.size))
        values[:, 0] = sd * rng.standard_normal(runs)
        for k in range(1, flat.size):
            phi = np.exp(-(flat[k] - flat[k - 1]) / correlation_s)
            shock = rng.standard_normal(runs) * sd * np.sqrt(1 - phi * phi)
            values[:, k] = phi * values[:, k - 1] + shock
        return values.reshape(runs, *times.shape)

    return drift


def random_walk(sd_per_minute: float) -> Shared:
    """A drift with no level to return to: independent steps, sd growing as sqrt(time)."""

    def drift(rng: np.random.Generator, runs: int, times: Array, _run_s: float) -> Array:
        flat = times.ravel()
        steps = np.diff(flat, prepend=0.0)
        shocks = rng.standard_normal((runs, flat.size)) * sd_per_minute * np.sqrt(steps / 60)
        return np.cumsum(shocks, axis=-1).reshape(runs, *times.shape)

    return drift


def decline(fraction: float) -> Shared:
    """A steady fall to 1 - `fraction` of the starting speed by the end of the run."""

    def drift(_rng: np.random.Generator, runs: int, times: Array, run_s: float) -> Array:
        return np.broadcast_to(np.log1p(-fraction * times / run_s), (runs, *times.shape)).copy()

    return drift


def step(fraction: float) -> Shared:
    """The speed falls by `fraction` at once, at a time uniform over the run."""

    def drift(rng: np.random.Generator, runs: int, times: Array, run_s: float) -> Array:
        at = rng.uniform(0, run_s, runs).reshape(runs, *([1] * times.ndim))
        return np.where(times[None] >= at, np.log1p(-fraction), 0.0)

    return drift


def combined(*parts: Shared) -> Shared:
    def drift(rng: np.random.Generator, runs: int, times: Array, run_s: float) -> Array:
        return sum((part(rng, runs, times, run_s) for part in parts), no_drift(rng, runs, times, 0))

    return drift


# The drift models every table and test uses. A minute is the time unit of the AR(1)
# models: phi is the autocorrelation of the host's speed one minute apart.
AR_SD = 0.10
WALK_PER_MINUTE = 0.05
# Fitted to this host on a noisy hour: `python -m lab figures --fit
# docs/traces/2026-12-07-8s-12-rounds.csv` prints the host's speed sd and correlation time,
# its trend, and how much of it each app felt (flask, then aio); a test checks these
# against the trace.
FITTED_TRACE = "docs/traces/2026-12-07-8s-12-rounds.csv"
FITTED_SD = 0.158
FITTED_CORRELATION_S = 78.0
FITTED_TREND_PER_MINUTE = -0.046
FITTED_ELASTICITY = (0.79, 1.21)


def ar_minute(phi: float, sd: float = AR_SD) -> Shared:
    return ornstein_uhlenbeck(sd, -60.0 / float(np.log(phi)))


def trend(per_minute: float) -> Shared:
    def drift(_rng: np.random.Generator, runs: int, times: Array, _run_s: float) -> Array:
        return np.broadcast_to(np.log1p(per_minute) * times / 60, (runs, *times.shape)).copy()

    return drift


def drift_models() -> tuple[DriftModel, ...]:
    fitted = combined(
        ornstein_uhlenbeck(FITTED_SD, FITTED_CORRELATION_S), trend(FITTED_TREND_PER_MINUTE)
    )
    return (
        DriftModel("no drift"),
        DriftModel("shared AR(1) 0.5/min", ar_minute(0.5)),
        DriftModel("shared AR(1) 0.9/min", ar_minute(0.9)),
        DriftModel("shared random walk", random_walk(WALK_PER_MINUTE)),
        DriftModel("shared decline 40%", decline(0.4)),
        DriftModel("shared step 30%", step(0.3)),
        DriftModel("fitted host, shared", fitted),
        DriftModel("fitted host, felt 0.79/1.21", fitted, elasticity=FITTED_ELASTICITY),
        DriftModel("cell's own AR(1) 0.3", cell_phi=0.3),
        DriftModel("cell's own AR(1) 0.5", cell_phi=0.5),
        DriftModel("decline+AR0.9+own 0.3", combined(decline(0.4), ar_minute(0.9)), cell_phi=0.3),
    )
