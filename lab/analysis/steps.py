"""Steps in a series of runs: where a cell's level moved, found by a penalised likelihood.

Each run gives a cell one point, its log req/s, with the standard error its own interval
states. Between runs the host moves by more than a run's own interval says (runs here
differ by 5-15%), so the model is

    y_i = the level of the piece run i is in + e_i,   e_i ~ N(0, tau^2 + s_i^2)

with s_i the run's own standard error and tau the spread between runs, one for the whole
series: a run with a wide interval counts for less, and when tau dominates every run
counts alike. A segmentation (the runs at which the level steps) is scored by its -2 log
likelihood, tau profiled out (the tau that fits that segmentation best), plus a penalty
per step of `per_log_run` x ln n: the Schwarz criterion's form, which asv's step detection
(`solve_potts_autogamma`: an L1 cost, its scale profiled out) also takes. Unlike asv, a
run's interval is not a relative weight of one unknown noise but the run's own error, the
spread between runs added to it; and the cost is Gaussian, since that interval is a
standard error to weigh by. A run far off alone is held back by the two-run minimum.

The search is exact. For a fixed tau the costs add up over pieces, so optimal
partitioning (dynamic programming, the exact search PELT prunes) finds the best
segmentation in O(n^2); doing it for every tau of a fine grid and keeping the least score
is exact on the grid, since the minimum over tau and over segmentations commute.

A piece holds at least MIN_RUNS runs: a step is seen from two runs on each side; one run
alone against the others is `lab compare`'s question. The penalty is calibrated by
lab.analysis.stepsim (false steps in at most 5% of series without one, under a drift
between runs with lag-1 autocorrelation 0.5); docs/history.md quotes its rates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

# Calibrated by lab.analysis.stepsim: the least multiple of ln n under which series of
# 6 to 12 runs with no step show one in at most 5% of them, under drift between runs.
PENALTY_PER_LOG_RUN = 5.0
MIN_RUNS = 2
# The spreads between runs tried, as sd of log req/s: 0.01% to 200%, 12% apart, so the
# profiled likelihood is within a few hundredths of its maximum.
TAU_GRID = np.geomspace(1e-4, 2.0, 88)


@dataclass(frozen=True, slots=True)
class Segmentation:
    """A series cut into pieces of one level each; a step is where a piece begins."""

    starts: tuple[int, ...]  # the index of each piece's first point; 0 first
    levels: tuple[float, ...]  # each piece's level: the weighted mean of its log values
    # tau, the spread between runs the segmentation fits best; 0 below a piece's runs.
    between_sd: float
    penalty: float  # per step, in units of -2 log likelihood

    @property
    def steps(self) -> tuple[int, ...]:
        """The index of the first point after each step."""
        return self.starts[1:]

    def piece(self, index: int) -> int:
        """The piece point `index` is in."""
        return sum(1 for start in self.starts if start <= index) - 1


def step_penalty(runs: int, per_log_run: float = PENALTY_PER_LOG_RUN) -> float:
    return per_log_run * math.log(max(runs, 2))


def find_steps(
    values: Sequence[float] | npt.NDArray[np.float64],
    own_se: Sequence[float] | npt.NDArray[np.float64],
    per_log_run: float = PENALTY_PER_LOG_RUN,
    min_runs: int = MIN_RUNS,
) -> Segmentation:
    """The best segmentation of `values` (log req/s, in run order) given each run's own
    standard error (0 where a run states none)."""
    y = np.asarray(values, dtype=float)
    s = np.nan_to_num(np.asarray(own_se, dtype=float), nan=0.0)
    if y.shape != s.shape or y.ndim != 1:
        raise ValueError(f"{len(y)} values but {len(s)} standard errors")
    if not np.all(np.isfinite(y)) or np.any(s < 0):
        raise ValueError("values must be finite and standard errors not negative")
    n = len(y)
    penalty = step_penalty(n, per_log_run)
    if n == 0:
        return Segmentation((), (), 0.0, penalty)
    variance = TAU_GRID[:, None] ** 2 + s[None, :] ** 2
    weight = 1 / variance
    # Running sums with a leading zero: a piece's cost is a difference of two columns.
    zero = np.zeros((len(TAU_GRID), 1))
    sum_w = np.hstack([zero, np.cumsum(weight, axis=1)])
    sum_wy = np.hstack([zero, np.cumsum(weight * y, axis=1)])
    sum_wyy = np.hstack([zero, np.cumsum(weight * y * y, axis=1)])
    best = np.full((len(TAU_GRID), n + 1), np.inf)
    # The first piece pays no step: start below zero by one penalty.
    best[:, 0] = -penalty
    last_start = np.zeros((len(TAU_GRID), n + 1), dtype=int)
    for end in range(min_runs, n + 1):
        start = np.arange(0, end - min_runs + 1)
        w = sum_w[:, end, None] - sum_w[:, start]
        wy = sum_wy[:, end, None] - sum_wy[:, start]
        wyy = sum_wyy[:, end, None] - sum_wyy[:, start]
        # The weighted squares about the piece's weighted mean; rounding can dip below 0.
        cost = np.maximum(wyy - wy * wy / w, 0.0)
        total = best[:, start] + cost + penalty
        last_start[:, end] = np.argmin(total, axis=1)
        best[:, end] = np.min(total, axis=1)
    score = best[:, n] + np.log(variance).sum(axis=1)
    if not np.isfinite(score).any():  # fewer runs than one piece holds
        return _one_piece(y, s, penalty)
    g = int(np.argmin(score))
    starts = _starts(last_start[g], n)
    tau = float(TAU_GRID[g])
    return Segmentation(starts, _levels(y, weight[g], starts), tau, penalty)


def _starts(last_start: np.ndarray, n: int) -> tuple[int, ...]:
    starts, end = [], n
    while end > 0:
        end = int(last_start[end])
        starts.append(end)
    return tuple(reversed(starts))


def _levels(y: np.ndarray, weight: np.ndarray, starts: Sequence[int]) -> tuple[float, ...]:
    ends = [*starts[1:], len(y)]
    return tuple(
        float(np.average(y[start:end], weights=weight[start:end]))
        for start, end in zip(starts, ends, strict=True)
    )


def _one_piece(y: np.ndarray, s: np.ndarray, penalty: float) -> Segmentation:
    """Fewer runs than a piece holds: their mean, and no spread between runs to see."""
    return Segmentation((0,), _levels(y, 1 / (s**2 + TAU_GRID[0] ** 2), (0,)), 0.0, penalty)
