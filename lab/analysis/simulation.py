"""Does each interval, test and rule keep its word? Measured on simulated cells.

A cell's trials are lognormal with a true median (and geometric mean) of 1 at a given
CV; across a cell's trials the log noise is either independent or AR(1) with phi 0.5,
as this lab's hosts show (lag-1 autocorrelation 0.58 and 0.24 between consecutive
trials, slow spells lasting minutes). For each CV and n this measures, before (today's
bootstrap and modified z) and after (`intervals`, `verdicts`, `outliers`):

- coverage of every interval kind, against its stated level;
- the family-wise false-alarm rate of compare on A/A pairs of 4-cell runs;
- power against a 15% drop in one of the 4 cells (the dropped cell called regressed);
- the outlier rule's false-alarm rate on clean cells;
- the power of one Welch log test at the A/A resolution each formula states;
- for --target-ci, the coverage of the final interval when rounds are added until it is
  narrow enough (before) and under Stein's two-stage procedure (after), and how often
  and after how many rounds Stein's reaches the target.

Pure: randomness comes from the numpy Generator passed in. `python -m lab figures` prints
the table (`--seed`, `--cells`, `--resamples`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from lab.analysis import legacy, outliers, precision
from lab.analysis.intervals import Array, IntArray, median_ranks, shift_arrays, welch_log_arrays
from lab.analysis.resolution import log_sigma, resolution
from lab.analysis.verdicts import ALPHA, THRESHOLD_PCT, holm_arrays

CVS = (0.02, 0.10, 0.25)
TRIALS = (3, 5, 10, 20)
PHI = 0.5
CELLS_PER_RUN = 4
DROP = 0.15
KINDS = (
    "median, bootstrap (before)",
    "median, order statistics",
    "ratio of medians, bootstrap (before)",
    "ratio of geometric means, Welch log",
    "ratio, Hodges-Lehmann exact",
)
# The table's column heads, in the order of KINDS.
HEADS = (
    "median boot (before)",
    "median order stats",
    "ratio boot (before)",
    "ratio Welch log",
    "ratio H-L exact",
)


def lognormal_cells(
    rng: np.random.Generator, cells: int, n: int, cv: float, phi: float = 0.0
) -> Array:
    """`cells` rows of n trials, median 1, CV `cv`; log noise AR(1) with `phi` along a row.

    The AR(1) process starts in its stationary state, so every trial has the same
    marginal distribution whatever phi: only the dependence between trials changes.
    """
    if not 0 <= phi < 1:
        raise ValueError(f"phi must be in [0, 1), got {phi!r}")
    shocks = rng.standard_normal((cells, n))
    noise = np.empty_like(shocks)
    noise[:, 0] = shocks[:, 0]
    innovation = np.sqrt(1 - phi * phi)
    for t in range(1, n):
        noise[:, t] = phi * noise[:, t - 1] + innovation * shocks[:, t]
    return np.exp(log_sigma(cv) * noise)


@dataclass(frozen=True, slots=True)
class Figures:
    """What one (CV, n, phi) setting gave; rates are fractions, `stated` the claimed levels."""

    cv: float
    n: int
    phi: float
    coverage: dict[str, float] = field(default_factory=dict)
    stated: dict[str, float] = field(default_factory=dict)
    fwer: tuple[float, float] = (0.0, 0.0)  # before, after
    power: tuple[float, float] = (0.0, 0.0)
    outlier_alarms: tuple[float, float] = (0.0, 0.0)
    resolution: tuple[float, float] = (0.0, 0.0)  # the stated resolutions
    resolution_power: tuple[float, float] = (0.0, 0.0)


def coverage(
    rng: np.random.Generator, cells: int, n: int, cv: float, phi: float, resamples: int = 1000
) -> tuple[dict[str, float], dict[str, float]]:
    """Coverage of each interval kind (true median 1, true ratio 1), and its stated level.

    `resamples` 0 leaves out today's bootstrap kinds, the slow part.
    """
    a = lognormal_cells(rng, cells, n, cv, phi)
    b = lognormal_cells(rng, cells, n, cv, phi)
    covered, stated = coverage_after(a, b)
    if resamples:
        before = coverage_before(rng, a, b, resamples)
        covered.update(before)
        stated.update(dict.fromkeys(before, 0.95))
    kinds = [kind for kind in KINDS if kind in covered]
    return {k: covered[k] for k in kinds}, {k: stated[k] for k in kinds}


def coverage_before(
    rng: np.random.Generator, a: Array, b: Array, resamples: int = 1000
) -> dict[str, float]:
    """Coverage of today's bootstrap intervals (median of `a`, ratio of medians b / a)."""
    boot_low, boot_high = legacy.median_interval(rng, a, resamples)
    ratio_low, ratio_high = legacy.ratio_interval(rng, b, a, resamples)
    return {
        KINDS[0]: _covers(boot_low, boot_high),
        KINDS[2]: _covers(ratio_low, ratio_high),
    }


def coverage_after(a: Array, b: Array) -> tuple[dict[str, float], dict[str, float]]:
    """Coverage of the new intervals on cells `a` and `b`, and their stated levels."""
    ordered = np.sort(a, axis=-1)
    low_rank, high_rank, median_level = median_ranks(a.shape[-1])
    welch = welch_log_arrays(b, a)
    _, hl_low, hl_high, hl_level = shift_arrays(b, a)
    covered = {
        KINDS[1]: _covers(ordered[:, low_rank - 1], ordered[:, high_rank - 1]),
        KINDS[3]: _covers(welch.low, welch.high),
        KINDS[4]: _covers(hl_low, hl_high),
    }
    return covered, {KINDS[1]: median_level, KINDS[3]: 0.95, KINDS[4]: hl_level}


def _covers(low: Array, high: Array) -> float:
    # Every simulated true median and true ratio is 1.
    return float(np.mean((low <= 1) & (high >= 1)))


def run_pairs(
    rng: np.random.Generator, runs: int, n: int, cv: float, phi: float, drop: float = 0.0
) -> tuple[Array, Array]:
    """A and B of `runs` pairs of 4-cell runs, shape (runs, 4, n); B's cell 0 times 1 - drop."""
    shape = (runs * CELLS_PER_RUN, n)
    a = lognormal_cells(rng, shape[0], n, cv, phi).reshape(runs, CELLS_PER_RUN, n)
    b = lognormal_cells(rng, shape[0], n, cv, phi).reshape(runs, CELLS_PER_RUN, n)
    b[:, 0, :] *= 1 - drop
    return a, b


def verdicts_after(a: Array, b: Array, threshold_pct: float = THRESHOLD_PCT) -> IntArray:
    """`verdicts.judge_cells` per run: +1 improved, -1 regressed, 0 no difference."""
    welch = welch_log_arrays(b, a)
    significant = holm_arrays(welch.p_value) <= ALPHA
    change = (welch.estimate - 1) * 100
    moved = significant & (np.abs(change) > threshold_pct)
    return np.where(moved, np.sign(change), 0).astype(np.int64)


def compare_rates(
    rng: np.random.Generator, runs: int, n: int, cv: float, phi: float, resamples: int = 1000
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Family-wise false alarms on A/A pairs, and power against a 15% drop: (before, after).

    `resamples` 0 leaves out today's bootstrap (its figures are then nan).
    """
    rates = []
    for drop in (0.0, DROP):
        a, b = run_pairs(rng, runs, n, cv, phi, drop)
        before = (
            legacy.changed(rng, a, b, THRESHOLD_PCT, resamples)
            if resamples
            else np.full(a.shape[:-1], np.nan)
        )
        after = verdicts_after(a, b)
        if drop == 0:
            rates.append((_any_change(before), _any_change(after)))
        else:
            rates.append((float(np.mean(before[:, 0] == -1)), float(np.mean(after[:, 0] == -1))))
    return rates[0], rates[1]


def _any_change(verdicts: IntArray) -> float:
    return float(np.mean(np.any(verdicts != 0, axis=-1)))


def outlier_alarms(
    rng: np.random.Generator, cells: int, n: int, cv: float, phi: float
) -> tuple[float, float]:
    """Share of clean cells with a trial flagged: (modified z > 3.5, Grubbs on logs)."""
    values = lognormal_cells(rng, cells, n, cv, phi)
    return float(np.mean(legacy.flag_rows(values))), float(np.mean(outliers.flag_rows(values)))


def resolution_power(
    rng: np.random.Generator, cells: int, n: int, cv: float, phi: float
) -> tuple[tuple[float, float], tuple[float, float]]:
    """The stated resolutions (before, after) and the Welch log test's power at each.

    B's trials are A-like times 1 + resolution (a rise: the harder direction in logs),
    and the test is one A/A pair's, two-sided at 5%, as the resolution promises.
    """
    stated = (legacy.resolution(cv, n, n), resolution(cv, n, n))
    powers = []
    for change in stated:
        a = lognormal_cells(rng, cells, n, cv, phi)
        b = lognormal_cells(rng, cells, n, cv, phi) * (1 + change)
        powers.append(float(np.mean(welch_log_arrays(b, a).p_value < ALPHA)))
    return stated, (powers[0], powers[1])


def figures(
    rng: np.random.Generator, cv: float, n: int, phi: float, cells: int, resamples: int = 1000
) -> Figures:
    """Every figure for one setting; compare uses cells // 4 runs of 4 cells."""
    covered, stated = coverage(rng, cells, n, cv, phi, resamples)
    fwer, power = compare_rates(rng, cells // CELLS_PER_RUN, n, cv, phi, resamples)
    alarms = outlier_alarms(rng, cells, n, cv, phi)
    stated_resolution, res_power = resolution_power(rng, cells, n, cv, phi)
    return Figures(cv, n, phi, covered, stated, fwer, power, alarms, stated_resolution, res_power)


def table(rows: Sequence[Figures]) -> list[str]:
    """The figures as plain text: one coverage block, then one block of decisions."""
    lines = ["coverage of the true value (stated level in brackets), per interval kind", ""]
    header = f"{'noise':<8}{'n':>3}{'CV':>5}  " + "  ".join(f"{k:<20}" for k in HEADS)
    lines.append(header.rstrip())
    for f in rows:
        cells = "  ".join(f"{f.coverage[k]:>6.1%} ({f.stated[k]:.1%})".ljust(20) for k in KINDS)
        lines.append(f"{_noise(f.phi):<8}{f.n:>3}{f.cv:>5.0%}  {cells}".rstrip())
    lines += [
        "",
        "decisions, before -> after: FWER = any of 4 A/A cells called changed; power = a 15%"
        " drop in 1 of 4 cells called regressed; outliers = clean cells flagged; resolution"
        " = stated minimum detectable change, and the Welch log test's power at it",
        "",
        f"{'noise':<8}{'n':>3}{'CV':>5}  {'FWER':<17}{'power 15%':<18}{'outliers':<17}"
        f"{'resolution':<18}{'power at resolution'}",
    ]
    for f in rows:
        lines.append(
            f"{_noise(f.phi):<8}{f.n:>3}{f.cv:>5.0%}  {_pair(f.fwer):<17}{_pair(f.power):<18}"
            f"{_pair(f.outlier_alarms):<17}{_pair(f.resolution):<18}{_pair(f.resolution_power)}"
        )
    return lines


def _noise(phi: float) -> str:
    return "indep" if phi == 0 else f"AR{phi:.1f}"


def _pair(values: tuple[float, float]) -> str:
    return f"{values[0]:.1%} -> {values[1]:.1%}"


TARGETS_PCT = (5.0, 10.0)
# 5% added: where the target and the noise make "stop when narrow" stop most selectively.
PRECISION_CVS = (0.02, 0.05, 0.10, 0.25)
PILOTS = (3, 5)
MAX_ROUNDS = 30


@dataclass(frozen=True, slots=True)
class PrecisionFigures:
    """--target-ci at one setting: coverage before (add until narrow) and after (Stein)."""

    cv: float
    target_pct: float
    pilot: int
    coverage: tuple[float, float]
    reached: float  # share of Stein's runs within the target when they stop
    rounds: float  # mean rounds Stein's runs took
    bounded: float  # share of Stein's runs stopped by MAX_ROUNDS before their N


def naive_sequential(a: Array, b: Array, pilot: int, target_pct: float) -> tuple[Array, Array]:
    """The Welch interval (low, high) of B/A when rounds stop as soon as it is narrow enough."""
    cells, max_rounds = a.shape
    low, high = np.ones(cells), np.ones(cells)
    done = np.zeros(cells, dtype=bool)
    for rounds in range(max(pilot, 2), max_rounds + 1):
        welch = welch_log_arrays(b[:, :rounds], a[:, :rounds])
        narrow = (welch.high - welch.low) / 2 / welch.estimate * 100 <= target_pct
        stop = ~done & (narrow | (rounds == max_rounds))
        low[stop], high[stop] = welch.low[stop], welch.high[stop]
        done |= stop
    return low, high


def stein(a: Array, b: Array, pilot: int, target_pct: float) -> tuple[Array, Array, Array]:
    """Stein's procedure on per-round log ratios: centre, half-width (logs), rounds run."""
    differences = np.log(b) - np.log(a)
    spreads = differences[:, :pilot].std(axis=-1, ddof=1)
    needed = precision.rounds_needed(spreads, pilot, target_pct)
    rounds = np.minimum(needed, a.shape[-1])
    taken = np.arange(a.shape[-1]) < rounds[:, None]
    centre = np.sum(differences * taken, axis=-1) / rounds
    return centre, precision.stein_half_width(spreads, pilot, rounds), rounds


def precision_figures(
    rng: np.random.Generator, cells: int, cv: float, target_pct: float, pilot: int
) -> PrecisionFigures:
    """Every simulated true ratio is 1; runs stop at MAX_ROUNDS rounds at the latest."""
    a = lognormal_cells(rng, cells, MAX_ROUNDS, cv)
    b = lognormal_cells(rng, cells, MAX_ROUNDS, cv)
    low, high = naive_sequential(a, b, pilot, target_pct)
    centre, half, rounds = stein(a, b, pilot, target_pct)
    reached = half <= precision.half_width_log(target_pct) + 1e-12
    needed = precision.rounds_needed(
        np.log(b / a)[:, :pilot].std(axis=-1, ddof=1), pilot, target_pct
    )
    return PrecisionFigures(
        cv,
        target_pct,
        pilot,
        (_covers(low, high), float(np.mean(np.abs(centre) <= half))),
        float(np.mean(reached)),
        float(np.mean(rounds)),
        float(np.mean(needed > MAX_ROUNDS)),
    )


def every_precision_setting(rng: np.random.Generator, cells: int) -> list[PrecisionFigures]:
    return [
        precision_figures(rng, cells, cv, target, pilot)
        for pilot in PILOTS
        for target in TARGETS_PCT
        for cv in PRECISION_CVS
    ]


def precision_table(rows: Sequence[PrecisionFigures]) -> list[str]:
    lines = [
        f"--target-ci, independent trials, at most {MAX_ROUNDS} rounds: coverage of a 95%"
        " interval, before (rounds added until it is narrow) -> after (Stein's two-stage);"
        " how often Stein's reaches the target, and its mean rounds",
        "",
        f"{'target':>7}{'pilot':>6}{'CV':>5}  {'coverage':<17}{'reached':>8}{'rounds':>8}",
    ]
    for f in rows:
        lines.append(
            f"{f.target_pct:>6g}%{f.pilot:>6}{f.cv:>5.0%}  {_pair(f.coverage):<17}"
            f"{f.reached:>8.1%}{f.rounds:>8.1f}"
        )
    return lines


def every_setting(rng: np.random.Generator, cells: int, resamples: int) -> list[Figures]:
    """The figures of every noise model, trial count and CV, in the table's order."""
    return [
        figures(rng, cv, n, phi, cells, resamples)
        for phi in (0.0, PHI)
        for n in TRIALS
        for cv in CVS
    ]
