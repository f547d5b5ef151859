"""Repeated confidence intervals: looking at a run's ratio more than once without lying.

A gate adds rounds while its verdict is undecided. Deciding from a 95% interval after
every few rounds breaks the 95%: each look is another chance for the interval to miss,
and the run stops at the look where it did. Repeated confidence intervals (Jennison and
Turnbull, "Group Sequential Methods", 2000, ch. 9) fix the looks in advance and widen
every look's interval by one constant c, chosen so that all of them cover the truth
together with probability 1 - alpha. Whatever the run then does with them (stop at the
first decisive look, carry on, stop on a time bound), a verdict read from any one of them
is wrong at most alpha of the time.

The constant is Pocock's for the run's own look schedule: the rounds at each look are
the information, and the paired log ratios' running mean after n_k rounds is, for
independent rounds, a Brownian motion observed at n_1 < n_2 < ... . `pocock_constant`
finds c with P(|Z_k| <= c for every look k) = 1 - alpha by numerical integration of that
motion between the looks (Armitage, McPherson and Rowe's recursion on a grid), not
from a table: the schedule is the run's. The spread is estimated, so each look uses
Student's t at the same per-look level on n_k - 1 degrees of freedom; the gate's
simulation (lab.analysis.gatesim) measures what that gives under these hosts' drift.

Pure: numpy and scipy only.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from functools import cache

import numpy as np
from scipy import optimize, stats  # type: ignore[import-untyped]

from lab.analysis.intervals import Array

# Points of the grid on which the motion's density is carried from look to look: the
# constant it gives moves by less than 1e-4 from 401 points to 1,601.
GRID_POINTS = 401
# How far apart the looks are: two mirrored pairs of rounds, so that every look sees
# each app at the same mean position in every pair.
LOOK_STEP = 4


def looks(first: int, last: int, step: int = LOOK_STEP) -> tuple[int, ...]:
    """The rounds at which a run looks: `first`, then every `step`, never beyond `last`."""
    if first < 2:
        raise ValueError(f"the first look needs 2 rounds at least, got {first}")
    return tuple(range(first, max(first, last) + 1, step))


def _crossing_free_probability(schedule: Sequence[int], c: float) -> float:
    """P(|S_k| <= c * sqrt(n_k) at every look), S a standard Brownian motion at times n_k."""
    first = schedule[0]
    edge = c * math.sqrt(first)
    grid = np.linspace(-edge, edge, GRID_POINTS)
    weights = _trapezoid(grid)
    density = stats.norm.pdf(grid, scale=math.sqrt(first))
    for before, now in itertools.pairwise(schedule):
        edge = c * math.sqrt(now)
        target = np.linspace(-edge, edge, GRID_POINTS)
        step = math.sqrt(now - before)
        distance = (target[:, None] - grid[None, :]) / step
        kernel = np.exp(-0.5 * distance * distance) / (step * math.sqrt(2 * math.pi))
        density = kernel @ (density * weights)
        grid, weights = target, _trapezoid(target)
    return float(np.sum(density * weights))


def _trapezoid(grid: Array) -> Array:
    weights = np.full(len(grid), grid[1] - grid[0])
    weights[[0, -1]] /= 2
    return weights


@cache
def pocock_constant(schedule: tuple[int, ...], alpha: float) -> float:
    """c such that the looks' intervals mean +- c * sd / sqrt(n_k) all cover with
    probability 1 - alpha (known spread); 1.96 for one look at alpha 0.05."""
    if len(schedule) == 1:
        return float(stats.norm.ppf(1 - alpha / 2))
    return float(
        optimize.brentq(
            lambda c: _crossing_free_probability(schedule, c) - (1 - alpha),
            stats.norm.ppf(1 - alpha / 2),
            5.0,
            xtol=1e-6,
        )
    )


def per_look_level(schedule: tuple[int, ...], alpha: float) -> float:
    """The confidence each look's interval is computed at: 95% for one look, 98.6% for
    six looks at 8, 12, ..., 28 rounds."""
    return float(1 - 2 * stats.norm.sf(pocock_constant(schedule, alpha)))


def repeated_half_width(spread: Array, pairs: Array, level: float) -> Array:
    """The half-width in logs of a look's interval: t at `level` on pairs - 1 df."""
    t = stats.t.ppf(1 - (1 - level) / 2, pairs - 1)
    return np.asarray(t * spread / np.sqrt(pairs), dtype=np.float64)
