"""App ratios blocked by round: B/A from the trials each round pairs, the host's drift removed.

A run is a randomized block design: every round holds every cell once (lab.model.order).
These hosts drift, by 30-40% within minutes, and every app drifts alike; so the ratio of
two apps measured a round apart moves far less than either app. For one ratio B/A, each
round whose two trials are ok gives a pair:

    d = log(req/s of B) - log(req/s of A),   g = B's time - A's time (seconds)

where a trial's time is the middle of its measured window. Two models of the pairs:

- `SLOPED` (the lab's choice from `SLOPE_MIN_PAIRS` pairs on): d = log(ratio) + slope * g
  + e, fitted by least squares; the estimate is log(ratio) at g = 0, the two apps at the
  same moment, with a t interval on n - 2 degrees of freedom. The slope is the host's
  drift rate between the two trials, estimated from the run's own rounds; what drift
  is left is what is not linear over a block's few seconds.
- `PAIRED`: d = log(ratio) + e, a paired t interval on n - 1 degrees of freedom; below
  `SLOPE_MIN_PAIRS` pairs, where a degree of freedom costs more than a slope saves, and
  where the gaps do not vary (a slope could not be told from the ratio).

Either way the interval's level assumes that what is left, e, is independent from round
to round. A drift shared by the apps leaves e alone; noise of a cell's own that carries
from round to round does not, and the residuals' autocorrelation is the evidence
(lab.analysis.checks.independence). The seeded simulation of lab.analysis.driftsim
measures coverage and width under each drift model (`python -m lab figures`).
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

SLOPED = "paired by round, drift slope removed (t on rounds - 2 df)"
PAIRED = "paired by round (t on rounds - 1 df)"
# Decided by the simulation (lab.analysis.driftsim): below this many pairs the slope's
# degree of freedom widens the interval more than the drift it removes narrows it.
SLOPE_MIN_PAIRS = 6


@dataclass(frozen=True, slots=True)
class RoundPair:
    """One round's evidence on a ratio: its log ratio and the time between its trials."""

    round: int
    log_ratio: float
    gap_s: float


@dataclass(frozen=True, slots=True)
class BlockedFit:
    """A ratio's blocked estimate: its interval, and what the fit saw.

    `slope_per_min` is the drift the sloped model removed, as a fraction of B/A per
    minute of gap (None for the paired model); `residuals` are e per pair, in round
    order; `spread` their standard deviation on `df` degrees of freedom (logs).
    """

    interval: Interval
    pairs: int
    df: int
    spread: float
    slope_per_min: float | None
    residuals: tuple[float, ...]


class Observation(NamedTuple):
    """What the blocked design needs of an ok trial: its cell, round, time and req/s."""

    cell: Cell
    round: int
    time_s: float  # the middle of its measured window, seconds since the epoch
    rps: float


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


def sloped(pairs: int, gaps: Array, asked: bool | Array | None = None) -> Array:
    """Which fits use the sloped model (per row): enough pairs, or `asked` for it (for
    every row, or per row), and gaps that vary; a slope needs 3 pairs, to leave a degree
    of freedom."""
    enough = pairs >= SLOPE_MIN_PAIRS if asked is None else np.asarray(asked) & (pairs >= 3)
    spread = np.ptp(gaps, axis=-1) if gaps.shape[-1] else np.zeros(gaps.shape[:-1])
    return np.asarray(enough & (spread > 1e-9), dtype=bool)


@dataclass(frozen=True, slots=True)
class BlockedArrays:
    """The blocked estimate over the leading axes: pairs along the last axis."""

    centre: Array  # log(ratio)
    half_width: Array  # of the interval, in logs
    spread: Array  # residual standard deviation
    slope: Array  # per second of gap; 0 where the paired model is used
    df: Array
    factor: Array  # the centre's variance over the residuals': 1 / n when paired
    residuals: Array
    with_slope: Array  # bool: which rows the sloped model fitted


def blocked_arrays(
    log_ratios: Array,
    gaps: Array,
    level: float = DEFAULT_LEVEL,
    slope_model: bool | Array | None = None,
) -> BlockedArrays:
    """The blocked fit of each row of pairs (log ratios, gaps in seconds); 2 pairs at least.

    The model is the rule's (`sloped`) unless `slope_model` says which: --target-ci keeps
    the model its pilot rounds had. The simulation calls this on thousands of simulated
    runs at once, the summary on one.
    """
    n = log_ratios.shape[-1]
    if n < 2:
        raise ValueError(f"a blocked interval needs 2 rounds with both trials ok, got {n}")
    use_slope = sloped(n, gaps, slope_model)
    d_mean = log_ratios.mean(axis=-1)
    g_mean = gaps.mean(axis=-1)
    g_dev = gaps - g_mean[..., None]
    sxx = np.sum(g_dev * g_dev, axis=-1)
    safe_sxx = np.where(use_slope, sxx, 1.0)
    slope = np.where(use_slope, np.sum(g_dev * log_ratios, axis=-1) / safe_sxx, 0.0)
    centre = d_mean - slope * g_mean
    residuals = log_ratios - centre[..., None] - slope[..., None] * gaps
    df = np.where(use_slope, n - 2, n - 1)
    spread = np.sqrt(np.sum(residuals * residuals, axis=-1) / df)
    # The variance of the intercept: s^2 (1/n + mean(g)^2 / Sxx); s^2 / n when unsloped.
    factor = np.where(use_slope, 1 / n + g_mean * g_mean / safe_sxx, 1 / n)
    t = stats.t.ppf(1 - (1 - level) / 2, df)
    return BlockedArrays(
        centre=np.asarray(centre, dtype=np.float64),
        half_width=np.asarray(t * spread * np.sqrt(factor), dtype=np.float64),
        spread=np.asarray(spread, dtype=np.float64),
        slope=np.asarray(slope, dtype=np.float64),
        df=np.asarray(df, dtype=np.float64),
        factor=np.asarray(factor, dtype=np.float64),
        residuals=np.asarray(residuals, dtype=np.float64),
        with_slope=use_slope,
    )


def blocked_fit(
    pairs: Sequence[RoundPair], level: float = DEFAULT_LEVEL, slope_model: bool | None = None
) -> BlockedFit | None:
    """B/A with its blocked interval; None with fewer than 2 pairs (no spread to go on)."""
    if len(pairs) < 2:
        return None
    fit = blocked_arrays(
        np.array([pair.log_ratio for pair in pairs]),
        np.array([pair.gap_s for pair in pairs]),
        level,
        slope_model,
    )
    centre, half, with_slope = float(fit.centre), float(fit.half_width), bool(fit.with_slope)
    return BlockedFit(
        interval=Interval(
            math.exp(centre),
            math.exp(centre - half),
            math.exp(centre + half),
            level,
            SLOPED if with_slope else PAIRED,
            level,
        ),
        pairs=len(pairs),
        df=int(fit.df),
        spread=float(fit.spread),
        slope_per_min=math.expm1(float(fit.slope) * 60) if with_slope else None,
        residuals=tuple(float(value) for value in fit.residuals),
    )
