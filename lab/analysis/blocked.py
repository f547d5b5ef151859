"""App ratios blocked by round: B/A from the trials each round pairs, the host's drift paired away.

A run is a randomized block design: every round holds every cell once, and the blocked
order (lab.model.order) runs a level's apps back to back and mirrors every second round.
These hosts drift, by 30-40% within minutes, and mostly every app alike; so the ratio of
two apps measured seconds apart moves far less than either app. For one ratio B/A, each
round whose two trials are ok gives a pair:

    d = log(req/s of B) - log(req/s of A),   gap = B's time - A's time (seconds)

(a trial's time is the middle of its measured window), and the estimate is exp(mean d)
with a paired t interval on rounds - 1 degrees of freedom.

Chosen by evidence (lab.analysis.driftsim, `python -m lab figures`): a model that also
fits the drift's slope over the gap (d = log ratio + slope * gap) was narrower only
under a steady linear decline; under every other drift, the apps' mirrored order had
already cancelled the trend and the slope's degree of freedom cost more than it saved.

The interval's level assumes that what is left of d from round to round is
independent. A drift shared by the apps leaves it so; noise of a cell's own that carries
from round to round does not, and the residuals' autocorrelation is the evidence
(lab.analysis.checks.independence).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy import stats  # type: ignore[import-untyped]

from lab.analysis.intervals import DEFAULT_LEVEL, Array, Interval
from lab.model.cell import Cell
from lab.results.records import TrialRecord

PAIRED = "paired by round (t on rounds - 1 df)"


class Observation(NamedTuple):
    """What the blocked design needs of an ok trial: its cell, round, time and req/s."""

    cell: Cell
    round: int
    time_s: float  # the middle of its measured window, seconds since the epoch
    rps: float


@dataclass(frozen=True, slots=True)
class RoundPair:
    """One round's evidence on a ratio: its log ratio and the time between its trials."""

    round: int
    log_ratio: float
    gap_s: float


@dataclass(frozen=True, slots=True)
class BlockedFit:
    """A ratio's blocked estimate: its interval, and what the pairs showed.

    `residuals` are each pair's log ratio less their mean, in round order; `spread` their
    standard deviation on `pairs - 1` degrees of freedom (logs).
    """

    interval: Interval
    pairs: int
    spread: float
    residuals: tuple[float, ...]

    @property
    def df(self) -> int:
        return self.pairs - 1


def trial_time_s(record: TrialRecord) -> float:
    """The middle of a trial's measured window, in seconds since the epoch.

    The window ends just before the record is finished (the counter's settling for /hit
    is the same for every app of a level), so the middle is finished_at - duration / 2.
    """
    finished = datetime.datetime.fromisoformat(record.finished_at.replace("Z", "+00:00"))
    return finished.timestamp() - record.duration_s / 2


def observations(records: Sequence[TrialRecord]) -> list[Observation]:
    """The ok trials with req/s above 0 (0 has no logarithm), in trial order."""
    return [
        Observation(record.cell, record.repetition, trial_time_s(record), record.rps)
        for record in sorted(records, key=lambda record: record.index)
        if record.status == "ok" and record.rps is not None and record.rps > 0
    ]


def round_pairs(
    observed: Sequence[Observation], numerator: Cell, denominator: Cell
) -> list[RoundPair]:
    """The pairs of B = `numerator` over A = `denominator`, one per round with both ok."""
    top = {o.round: o for o in observed if o.cell == numerator}
    bottom = {o.round: o for o in observed if o.cell == denominator}
    return [
        RoundPair(
            n,
            math.log(top[n].rps) - math.log(bottom[n].rps),
            top[n].time_s - bottom[n].time_s,
        )
        for n in sorted(top)
        if n in bottom
    ]


@dataclass(frozen=True, slots=True)
class BlockedArrays:
    """The blocked estimate over the leading axes: pairs along the last axis."""

    centre: Array  # log(ratio)
    half_width: Array  # of the interval, in logs
    spread: Array  # the pairs' standard deviation
    residuals: Array


def blocked_arrays(log_ratios: Array, level: float = DEFAULT_LEVEL) -> BlockedArrays:
    """The paired t interval of each row of per-round log ratios; 2 pairs at least.

    The simulation calls this on thousands of simulated runs at once, the summary on one.
    """
    n = log_ratios.shape[-1]
    if n < 2:
        raise ValueError(f"a blocked interval needs 2 rounds with both trials ok, got {n}")
    centre = log_ratios.mean(axis=-1)
    residuals = log_ratios - centre[..., None]
    spread = np.sqrt(np.sum(residuals * residuals, axis=-1) / (n - 1))
    t = stats.t.ppf(1 - (1 - level) / 2, n - 1)
    return BlockedArrays(
        centre=np.asarray(centre, dtype=np.float64),
        half_width=np.asarray(t * spread / math.sqrt(n), dtype=np.float64),
        spread=np.asarray(spread, dtype=np.float64),
        residuals=np.asarray(residuals, dtype=np.float64),
    )


def blocked_fit(pairs: Sequence[RoundPair], level: float = DEFAULT_LEVEL) -> BlockedFit | None:
    """B/A with its blocked interval; None with fewer than 2 pairs (no spread to go on)."""
    if len(pairs) < 2:
        return None
    fit = blocked_arrays(np.array([pair.log_ratio for pair in pairs]), level)
    centre, half = float(fit.centre), float(fit.half_width)
    return BlockedFit(
        interval=Interval(
            math.exp(centre),
            math.exp(centre - half),
            math.exp(centre + half),
            level,
            PAIRED,
            level,
        ),
        pairs=len(pairs),
        spread=float(fit.spread),
        residuals=tuple(float(value) for value in fit.residuals),
    )
