"""A host's drift and noise, fitted from a real run: what the drift simulation is made of.

From a run's ok trials (lab.analysis.blocked's observations):

- the host's speed round by round (lab.analysis.drift), its standard deviation and its
  lag-1 autocorrelation at the run's round spacing, which give an Ornstein-Uhlenbeck
  drift (stationary, returning to its mean) of that sd and correlation time;
- its trend, the fraction per minute the host slowed or sped up over the run;
- each level's own trial noise: the spread of the blocked fit's residuals of its
  ratio, over sqrt(2) (a pair holds two trials' noise);
- the blocked residuals' pooled lag-1 autocorrelation: what of a cell's own noise
  carries from round to round, which blocking cannot remove;
- how much of the host's drift each app felt: the slope of its cells' log req/s on the
  round's speed (1 for all: a drift shared alike).

`trace_rows` and `observations_from_rows` write and read the few columns a fit needs,
the form in which the traces behind the simulation's models are kept (docs/traces/).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lab.analysis.blocked import Observation, blocked_fit, round_pairs
from lab.analysis.drift import host_drift
from lab.analysis.independence import series_autocorrelation
from lab.model.cell import Cell

TRACE_COLUMNS = ("round", "app", "scenario", "connections", "time_s", "rps")


@dataclass(frozen=True, slots=True)
class HostFit:
    """What one run says of its host; logs are natural logs of req/s."""

    rounds: int
    trial_s: float  # mean seconds from one trial's window to the next
    round_s: float  # mean seconds from one round's middle to the next
    drift_sd: float  # of the host's log speed, round by round
    drift_lag1: float  # its autocorrelation from one round to the next
    trend_per_minute: float
    level_noise: tuple[tuple[str, float], ...]  # (level, sd of a trial's own log noise)
    residual_lag1: float | None  # of the blocked residuals, pooled over the levels
    elasticity: tuple[tuple[str, float], ...] = ()  # (app, slope on the host's speed)

    @property
    def correlation_s(self) -> float:
        """The drift's correlation time: lag-1 autocorrelation = exp(-round_s / time)."""
        lag1 = min(max(self.drift_lag1, 0.01), 0.99)
        return -self.round_s / math.log(lag1)


def fit_host(observed: Sequence[Observation]) -> HostFit:
    """The fit of one run's trials; needs 3 rounds and a level with two apps at least."""
    drift = host_drift(observed)
    if drift is None or len(drift.rounds) < 3:
        raise ValueError("a host fit needs 3 rounds at least")
    by_round = {n: math.log(speed) for n, speed in drift.by_round().items()}
    speeds = np.array(list(by_round.values()))
    middles = [
        float(np.mean([o.time_s for o in observed if o.round == number]))
        for number in sorted({o.round for o in observed})
    ]
    times = sorted(o.time_s for o in observed)
    noise, residuals = [], []
    for level in sorted({o.cell.level for o in observed}):
        apps = sorted({o.cell.app for o in observed if o.cell.level == level})
        if len(apps) < 2:
            continue
        cells = [Cell(app, *level) for app in apps[:2]]
        fit = blocked_fit(round_pairs(observed, cells[1], cells[0]))
        if fit is None:
            continue
        noise.append((f"{level[0]} @{level[1]}", fit.spread / math.sqrt(2)))
        residuals.append(np.array(fit.residuals))
    if not noise:
        raise ValueError("a host fit needs a level with two apps")
    lag1 = series_autocorrelation(residuals)
    centred = speeds - speeds.mean()
    felt = {}
    for app in sorted({o.cell.app for o in observed}):
        cells = sorted({o.cell for o in observed if o.cell.app == app})
        slopes = []
        for cell in cells:
            mine = [(by_round[o.round], math.log(o.rps)) for o in observed if o.cell == cell]
            x, y = np.array(mine).T
            slopes.append(float(np.polyfit(x, y, 1)[0]))
        felt[app] = float(np.mean(slopes))
    return HostFit(
        rounds=len(speeds),
        trial_s=float(np.mean(np.diff(times))),
        round_s=float(np.mean(np.diff(middles))),
        drift_sd=float(np.std(speeds, ddof=1)),
        drift_lag1=float(np.sum(centred[1:] * centred[:-1]) / np.sum(centred * centred)),
        trend_per_minute=drift.per_minute,
        level_noise=tuple(noise),
        residual_lag1=None if lag1 is None else lag1.r,
        elasticity=tuple(felt.items()),
    )


def trace_rows(observed: Sequence[Observation]) -> list[str]:
    """A run's observations as CSV lines, times in seconds from its first trial."""
    start = min((o.time_s for o in observed), default=0.0)
    return [",".join(TRACE_COLUMNS)] + [
        f"{o.round},{o.cell.app},{o.cell.scenario},{o.cell.connections},"
        f"{o.time_s - start:.3f},{o.rps:.3f}"
        for o in observed
    ]


def observations_from_rows(lines: Sequence[str]) -> list[Observation]:
    """The inverse of `trace_rows`; raises ValueError naming the bad line."""
    if not lines or lines[0].strip() != ",".join(TRACE_COLUMNS):
        raise ValueError(f"a trace starts with the header {','.join(TRACE_COLUMNS)}")
    found = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        parts = line.strip().split(",")
        try:
            round_, app, scenario, connections, time_s, rps = parts
            cell = Cell(app, scenario, int(connections))
            found.append(Observation(cell, int(round_), float(time_s), float(rps)))
        except ValueError as exc:
            raise ValueError(f"trace line {number}: {line.strip()!r}: {exc}") from exc
    return found
