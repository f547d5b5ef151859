"""What a run measured of its host's drift: how fast the host ran, round by round.

Every cell runs once a round, so a round's trials show the host's speed at that time.
The model is the randomized block design's: log req/s of a trial = its cell's level +
the host's speed in its round + noise. Fitted by alternating means (cells' levels, then
rounds' speeds, until they settle), which copes with the trials a round lacks. The
host's speed is reported relative to the run's mean: 1.18 is 18% faster than average.

Only cells with a ratio to another app say anything about drift that a blocked ratio
removes; a run of one app still shows how its host moved.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from lab.analysis.blocked import Observation
from lab.results.driftdoc import HostDrift

METHOD = "log req/s = cell level + round speed, fitted over every ok trial"
ITERATIONS = 50


def host_drift(observations: Sequence[Observation]) -> HostDrift | None:
    """The host's speed round by round (None for a round without an ok trial); None with
    fewer than 2 rounds or no cell."""
    cells = sorted({o.cell for o in observations})
    rounds = sorted({o.round for o in observations})
    if len(rounds) < 2 or not cells:
        return None
    cell_at = {cell: n for n, cell in enumerate(cells)}
    round_at = {number: n for n, number in enumerate(rounds)}
    values = np.full((len(cells), len(rounds)), np.nan)
    for o in observations:
        values[cell_at[o.cell], round_at[o.round]] = math.log(o.rps)
    present = ~np.isnan(values)
    speed = np.zeros(len(rounds))
    for _ in range(ITERATIONS):
        level = np.nanmean(values - speed[None, :], axis=1)
        deviations = np.where(present, values - level[:, None], np.nan)
        updated = np.nanmean(deviations, axis=0)
        updated -= updated.mean()
        if np.allclose(updated, speed, atol=1e-12):
            break
        speed = updated
    times = np.array([o.time_s for o in observations])
    levels = {cell: float(np.nanmean(values[cell_at[cell]] - speed)) for cell in cells}
    residual = np.array([math.log(o.rps) - levels[o.cell] for o in observations])
    trend = _slope(times, residual) * 60
    relative = np.exp(speed)
    by_number = dict(zip(rounds, (float(value) for value in relative), strict=True))
    return HostDrift(
        # Every round from the first, so that position n is round n + 1: a round without an
        # ok trial has no speed.
        rounds=tuple(by_number.get(number) for number in range(1, max(rounds) + 1)),
        change=float(relative[-1] / relative[0] - 1),
        spread=float(relative.max() / relative.min() - 1),
        per_minute=math.expm1(trend),
        method=METHOD,
    )


def _slope(x: np.ndarray, y: np.ndarray) -> float:
    centred = x - x.mean()
    denominator = float(np.sum(centred * centred))
    return float(np.sum(centred * (y - y.mean())) / denominator) if denominator > 0 else 0.0
