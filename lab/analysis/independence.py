"""Are a cell's trials independent? The lag-1 autocorrelation of its log req/s.

Every interval and verdict the lab states assumes independent trials. On these hosts a
slow spell (CPU frequency, a neighbour) lasts minutes and spans consecutive rounds, so
trial k+1 of a cell tends to be slow when trial k was: the simulation shows that at a
lag-1 autocorrelation of 0.5 a stated 95% covers far less. This measures it.

The statistic pools the cells of a run: each cell's log req/s minus its own mean, in
trial order, and r = sum(x_t * x_t+1) / sum(x_t^2) over all cells. Its null distribution
comes from permuting each cell's trials (exact under independence, whatever the noise's
shape, no large-sample formula for 3-5 trials a cell), seeded so the same data always
gives the same p. One-sided: positive autocorrelation is what makes intervals too narrow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lab.analysis.intervals import Array

PERMUTATIONS = 2000
SEED = 0
MIN_PAIRS = 6  # fewer consecutive pairs than this cannot show anything


@dataclass(frozen=True, slots=True)
class Autocorrelation:
    r: float
    pairs: int
    p_value: float  # one-sided, permutation


def lag1(deviations: Sequence[Array]) -> float:
    """Pooled lag-1 autocorrelation of cells of deviations from their own mean."""
    top = sum(float(np.sum(x[:-1] * x[1:])) for x in deviations)
    bottom = sum(float(np.sum(x * x)) for x in deviations)
    return top / bottom if bottom > 0 else 0.0


def autocorrelation(
    cells: Sequence[Sequence[float]], permutations: int = PERMUTATIONS, seed: int = SEED
) -> Autocorrelation | None:
    """The pooled lag-1 autocorrelation of positive req/s per cell (in trial order).

    None when there are fewer than MIN_PAIRS consecutive pairs, or no spread at all.
    """
    logs = [np.log(np.asarray(cell, dtype=np.float64)) for cell in cells if len(cell) >= 3]
    return series_autocorrelation(logs, permutations, seed)


def series_autocorrelation(
    series: Sequence[Array], permutations: int = PERMUTATIONS, seed: int = SEED
) -> Autocorrelation | None:
    """The pooled lag-1 autocorrelation of series (each one centred on its own mean):
    log req/s of cells, or a blocked fit's residuals round by round."""
    deviations = [x - x.mean() for x in series if len(x) >= 3]
    pairs = sum(len(x) - 1 for x in deviations)
    bottom = sum(float(np.sum(x * x)) for x in deviations)
    if pairs < MIN_PAIRS or bottom <= 0:
        return None
    observed = lag1(deviations)
    rng = np.random.default_rng(seed)
    # The denominator does not change under permutation; only the sums of neighbours do.
    tops = np.zeros(permutations)
    for x in deviations:
        shuffled = rng.permuted(np.broadcast_to(x, (permutations, len(x))), axis=-1)
        tops += np.sum(shuffled[:, :-1] * shuffled[:, 1:], axis=-1)
    as_large = int(np.sum(tops / bottom >= observed - 1e-12))
    return Autocorrelation(observed, pairs, (1 + as_large) / (1 + permutations))


def autocorrelated_runs(
    rng: np.random.Generator, runs: Array, permutations: int = 500, alpha: float = 0.05
) -> Array:
    """For simulation: which runs (shape (runs, cells, n) of req/s) the test flags at alpha."""
    return autocorrelated_series(rng, np.log(runs), permutations, alpha)


def autocorrelated_series(
    rng: np.random.Generator, series: Array, permutations: int = 500, alpha: float = 0.05
) -> Array:
    """For simulation: which runs (shape (runs, series, n)) the pooled test flags at alpha."""
    x = series - series.mean(axis=-1, keepdims=True)
    bottom = np.sum(x * x, axis=(-2, -1))
    observed = np.sum(x[..., :-1] * x[..., 1:], axis=(-2, -1)) / bottom
    tiled = np.broadcast_to(x[:, None], (x.shape[0], permutations, *x.shape[1:]))
    shuffled = rng.permuted(tiled, axis=-1)
    tops = np.sum(shuffled[..., :-1] * shuffled[..., 1:], axis=(-2, -1))
    as_large = np.sum(tops / bottom[:, None] >= observed[:, None] - 1e-12, axis=-1)
    p = (1 + as_large) / (1 + permutations)
    return np.asarray(p <= alpha, dtype=np.float64)
