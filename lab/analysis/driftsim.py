"""Do ratio intervals keep their word when the host drifts? Measured on simulated runs.

A simulated run has the lab's own design: apps x levels, every cell once a round, trials
of warmup + duration + per-trial overhead seconds, in the order lab.model.order gives
(the very code a run uses). A trial's log req/s is its cell's true value, plus the
host's drift averaged over its measured window (shared by every app), plus noise of its
own; `DriftModel` (lab.analysis.driftmodels) says what the drift is, how much of it each
app feels, and whether each cell's own noise carries from round to round. Every app's
true value is the same: a ratio's truth is 1, or, when the apps feel the host unalike,
what that makes of the run's own mean host speed (`SimulatedRuns.target`).

For each model this measures, before (each round shuffled on its own, Welch's interval
on log req/s, as if trials were independent) and after (the blocked order and
lab.analysis.blocked's interval), the coverage of the stated 95% and the mean width,
also relative to the width the same draws give with no drift at all, and how often the
lab's ratios-autocorrelated finding would flag the run. `resolution_figures` measures the
A/A resolution's power, `stein_coverage` --target-ci, and `slope_figures` the drift-slope
model the lab did not choose, the same way.

Pure: randomness comes from the numpy Generator passed in. `python -m lab figures`
prints the tables.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from scipy import stats  # type: ignore[import-untyped]

from lab.analysis import precision
from lab.analysis.blocked import BlockedArrays, blocked_arrays
from lab.analysis.driftmodels import DriftModel, no_drift
from lab.analysis.independence import autocorrelated_series
from lab.analysis.intervals import Array, IntArray, welch_log_arrays
from lab.analysis.resolution import blocked_resolution
from lab.model.cell import Cell
from lab.model.order import BLOCKED, SHUFFLED, rounds_of

BoolArray = npt.NDArray[np.bool_]
# Points per measured window at which the drift is averaged (a step lands part-way).
WINDOW_POINTS = 4


@dataclass(frozen=True, slots=True)
class Design:
    """A run's shape: apps, levels with each one's own trial noise (sd of log req/s),
    rounds and the seconds a trial takes."""

    name: str
    apps: int
    level_noise: tuple[float, ...]
    rounds: int
    duration_s: float
    warmup_s: float
    overhead_s: float

    @property
    def trial_s(self) -> float:
        return self.duration_s + self.warmup_s + self.overhead_s

    @property
    def cells(self) -> int:
        return self.apps * len(self.level_noise)

    @property
    def run_s(self) -> float:
        return self.rounds * self.cells * self.trial_s


@lru_cache(maxsize=50_000)
def slots(design: Design, order: str, seed: int) -> IntArray:
    """slot[round, cell]: the position in the run of each cell's trial of each round."""
    levels = len(design.level_noise)
    cells = [Cell(f"app{a}", f"level{ell}", 1) for ell in range(levels) for a in range(design.apps)]
    position = {cell: n for n, cell in enumerate(cells)}
    found = np.empty((design.rounds, len(cells)), dtype=np.int64)
    for number, round_ in enumerate(rounds_of(cells, design.rounds, seed, order)):
        for k, cell in enumerate(round_):
            found[number, position[cell]] = number * len(cells) + k
    return found


def window_times(design: Design) -> Array:
    """(trials, WINDOW_POINTS): the times at which each slot's measured window is sampled."""
    starts = np.arange(design.rounds * design.cells) * design.trial_s
    offsets = design.overhead_s / 2 + design.warmup_s
    inside = (np.arange(WINDOW_POINTS) + 0.5) / WINDOW_POINTS * design.duration_s
    return np.asarray(starts[:, None] + offsets + inside[None, :], dtype=np.float64)


@dataclass(frozen=True, slots=True)
class SimulatedRuns:
    """Log req/s per (run, round, cell) with and without drift, each trial's time, the
    host's drift at it, and how much of that each cell felt."""

    drifted: Array
    still: Array  # the same own noise, no drift of any kind
    time_s: Array
    host: Array
    felt: Array  # per cell

    def target(self, top: int, bottom: int) -> Array:
        """The ratio's truth in each run (log): 0 when the apps feel the host alike;
        otherwise what their unlike feeling makes of the run's mean host speed, the
        ratio the apps had on this host during this run."""
        mean_host = (self.host[:, :, top] + self.host[:, :, bottom]).mean(axis=-1) / 2
        return np.asarray((self.felt[top] - self.felt[bottom]) * mean_host, dtype=np.float64)


def simulate(
    rng: np.random.Generator, design: Design, model: DriftModel, runs: int, order: str
) -> SimulatedRuns:
    """`runs` runs of `design` under `model`, trials in `order`, seeds 0 .. runs - 1."""
    times = window_times(design)
    drift = (model.shared or no_drift)(rng, runs, times, design.run_s).mean(axis=-1)
    noise = np.repeat(np.asarray(design.level_noise), design.apps)
    shocks = rng.standard_normal((runs, design.rounds, design.cells))
    own = shocks.copy()
    phi = model.cell_phi
    for r in range(1, design.rounds):
        own[:, r] = phi * own[:, r - 1] + np.sqrt(1 - phi * phi) * shocks[:, r]
    placed = np.stack([slots(design, order, seed) for seed in range(runs)])
    host = np.take_along_axis(drift, placed.reshape(runs, -1), axis=-1).reshape(placed.shape)
    felt = np.tile(model.felt(design.apps), len(design.level_noise))
    centre = times.mean(axis=-1)[placed]
    return SimulatedRuns(host * felt + noise * own, noise * shocks, centre, host, felt)


@dataclass(frozen=True, slots=True)
class Widths:
    """One method under one model: coverage of each run's true ratio, mean half-width
    (logs), the mean width over the same draws' with no drift; for the blocked method,
    the share of runs whose residuals the lab flags (`ratios-autocorrelated`) and the
    coverage of the runs it does not flag."""

    coverage: float
    half_width: float
    vs_still: float
    flagged: float | None = None
    silent_coverage: float | None = None


def _ratios(design: Design) -> list[tuple[int, int]]:
    # Every app against app 0, within each level: (numerator cell, denominator cell).
    return [
        (level * design.apps + app, level * design.apps)
        for level in range(len(design.level_noise))
        for app in range(1, design.apps)
    ]


def _welch(values: Array, top: int, bottom: int) -> tuple[Array, Array]:
    welch = welch_log_arrays(np.exp(values[:, :, top]), np.exp(values[:, :, bottom]))
    return np.log(welch.estimate), (np.log(welch.high) - np.log(welch.low)) / 2


def _fit(values: Array, top: int, bottom: int) -> BlockedArrays:
    return blocked_arrays(values[:, :, top] - values[:, :, bottom])


def sloped_arrays(log_ratios: Array, gaps: Array) -> tuple[Array, Array]:
    """The alternative the lab did not choose: d = log ratio + slope * gap by least
    squares, the log ratio at gap 0 with its t interval on rounds - 2 df (centre, half)."""
    n = log_ratios.shape[-1]
    g_mean, d_mean = gaps.mean(axis=-1), log_ratios.mean(axis=-1)
    g_dev = gaps - g_mean[..., None]
    sxx = np.sum(g_dev * g_dev, axis=-1)
    slope = np.sum(g_dev * log_ratios, axis=-1) / sxx
    centre = d_mean - slope * g_mean
    residuals = log_ratios - centre[..., None] - slope[..., None] * gaps
    spread = np.sqrt(np.sum(residuals * residuals, axis=-1) / (n - 2))
    factor = 1 / n + g_mean * g_mean / sxx
    half = stats.t.ppf(0.975, n - 2) * spread * np.sqrt(factor)
    return np.asarray(centre, dtype=np.float64), np.asarray(half, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class DriftFigures:
    """Before (shuffled order, Welch) and after (blocked order and fit), one model."""

    design: str
    model: str
    before: Widths
    after: Widths


def drift_figures(
    rng: np.random.Generator, design: Design, model: DriftModel, runs: int
) -> DriftFigures:
    ratios = _ratios(design)
    before = simulate(rng, design, model, runs, SHUFFLED)
    covered, halves, calm = [], [], []
    for top, bottom in ratios:
        centre, half = _welch(before.drifted, top, bottom)
        covered.append(np.abs(centre - before.target(top, bottom)) <= half)
        halves.append(half)
        calm.append(_welch(before.still, top, bottom)[1])
    old = _widths(covered, halves, calm)
    after = simulate(rng, design, model, runs, BLOCKED)
    covered, halves, calm, residuals = [], [], [], []
    for top, bottom in ratios:
        fit = _fit(after.drifted, top, bottom)
        covered.append(np.abs(fit.centre - after.target(top, bottom)) <= fit.half_width)
        halves.append(fit.half_width)
        calm.append(_fit(after.still, top, bottom).half_width)
        residuals.append(fit.residuals)
    flagged = autocorrelated_series(rng, np.stack(residuals, axis=1)) > 0
    silent = np.concatenate([hit[~flagged] for hit in covered])
    new = replace(
        _widths(covered, halves, calm),
        flagged=float(np.mean(flagged)),
        silent_coverage=float(np.mean(silent)) if silent.size else float("nan"),
    )
    return DriftFigures(design.name, model.name, old, new)


def _widths(covered: Sequence[BoolArray], halves: Sequence[Array], calm: Sequence[Array]) -> Widths:
    half, still = np.concatenate(halves), np.concatenate(calm)
    return Widths(
        float(np.mean(np.concatenate(covered))),
        float(np.mean(half)),
        float(np.mean(half) / np.mean(still)),
    )


def stein_coverage(
    rng: np.random.Generator,
    design: Design,
    model: DriftModel,
    runs: int,
    pilot: int,
    target_pct: float,
) -> tuple[float, float, float]:
    """--target-ci under `model`: coverage of Stein's interval on the per-round log
    ratios, the share of runs within the target, and the mean rounds run;
    `design.rounds` is the bound."""
    simulated = simulate(rng, design, model, runs, BLOCKED)
    covered, reached, rounds = [], [], []
    h = precision.half_width_log(target_pct)
    for top, bottom in _ratios(design):
        d = simulated.drifted[:, :, top] - simulated.drifted[:, :, bottom]
        spreads = d[:, :pilot].std(axis=-1, ddof=1)
        taken = np.minimum(precision.rounds_needed(spreads, pilot, target_pct), design.rounds)
        used = np.arange(design.rounds) < taken[:, None]
        centre = np.sum(d * used, axis=-1) / taken
        half = precision.stein_half_width(spreads, pilot, taken)
        covered.append(np.abs(centre - simulated.target(top, bottom)) <= half)
        reached.append(half <= h + 1e-12)
        rounds.append(taken)
    return (
        float(np.mean(np.concatenate(covered))),
        float(np.mean(np.concatenate(reached))),
        float(np.mean(np.concatenate(rounds))),
    )


@dataclass(frozen=True, slots=True)
class SlopeFigures:
    """The paired interval beside the sloped alternative, one model: coverage, mean
    half-width (logs)."""

    design: str
    model: str
    paired: tuple[float, float]
    sloped: tuple[float, float]


def slope_figures(
    rng: np.random.Generator, design: Design, model: DriftModel, runs: int
) -> SlopeFigures:
    """Why the lab pairs by round without a drift slope: both, on the same runs."""
    simulated = simulate(rng, design, model, runs, BLOCKED)
    found: dict[str, tuple[list[BoolArray], list[Array]]] = {"paired": ([], []), "sloped": ([], [])}
    for top, bottom in _ratios(design):
        target = simulated.target(top, bottom)
        fit = _fit(simulated.drifted, top, bottom)
        centre, half = sloped_arrays(
            simulated.drifted[:, :, top] - simulated.drifted[:, :, bottom],
            simulated.time_s[:, :, top] - simulated.time_s[:, :, bottom],
        )
        for name, (c, h) in (("paired", (fit.centre, fit.half_width)), ("sloped", (centre, half))):
            found[name][0].append(np.abs(c - target) <= h)
            found[name][1].append(h)
    summed = {
        name: (float(np.mean(np.concatenate(hits))), float(np.mean(np.concatenate(halves))))
        for name, (hits, halves) in found.items()
    }
    return SlopeFigures(design.name, model.name, summed["paired"], summed["sloped"])


@dataclass(frozen=True, slots=True)
class ResolutionFigures:
    """An A/A run's stated resolution for one level (the median over runs), the blocked
    test's power at it, and the coverage of b/a = 1."""

    design: str
    model: str
    level: int
    stated: float
    power: float
    coverage: float


def resolution_figures(
    rng: np.random.Generator, design: Design, model: DriftModel, runs: int
) -> list[ResolutionFigures]:
    """A/A runs print a resolution per level from their own blocked fit; B then moved by
    the median printed resolution is found this often by the same test."""
    same = simulate(rng, design, model, runs, BLOCKED)
    moved = simulate(rng, design, model, runs, BLOCKED)
    found = []
    for level, (top, bottom) in enumerate(_ratios(design)):
        fit = _fit(same.drifted, top, bottom)
        # Every run has the design's rounds, so one t and one resolution per unit serve.
        df = design.rounds - 1
        per_unit = math.log1p(blocked_resolution(1.0, df))
        printed = np.expm1(per_unit * fit.half_width / float(stats.t.ppf(0.975, df)))
        stated = float(np.median(printed))
        shifted = moved.drifted.copy()
        shifted[:, :, top] += math.log1p(stated)
        detected = _fit(shifted, top, bottom)
        found.append(
            ResolutionFigures(
                design.name,
                model.name,
                level,
                stated,
                float(np.mean(np.abs(detected.centre) > detected.half_width)),
                float(np.mean(np.abs(fit.centre) <= fit.half_width)),
            )
        )
    return found
