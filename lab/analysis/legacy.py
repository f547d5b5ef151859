"""The lab's statistics before `intervals`/`verdicts`/`outliers`, vectorised for simulation.

Each mirrors today's scalar code, trials along the last axis, so the simulation can put
"before" figures beside "after" ones:
- `stats.bootstrap_ci` / `stats.ratio_ci`: percentile bootstrap of the median and of the
  ratio of medians (numpy's linear quantile, as `stats._quantile`);
- `compare._compare_cell`: changed when that ratio interval excludes 1 and the change
  exceeds the threshold, with no adjustment over a run's cells;
- `checks.stability.robust_scores`: modified z-score > 3.5 on the raw req/s;
- `checks.stability.aa_resolution`: 2.8 * CV * sqrt(1/n_a + 1/n_b).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lab.analysis.intervals import Array, IntArray

BOOTSTRAP_LEVEL = 0.95
OUTLIER_LIMIT = 3.5
MAD_SCALE = 1.4826
MEAN_AD_SCALE = 1.253314
POWER_FACTOR = 2.8


def bootstrap_medians(rng: np.random.Generator, values: Array, resamples: int) -> Array:
    """Medians of `resamples` resamples of each row: shape (*rows, resamples).

    With each row sorted, a resample's median is the value at the median of the drawn
    positions, so small integer positions are sorted instead of the values (4x faster).
    """
    n = values.shape[-1]
    rows = np.sort(values.reshape(-1, n), axis=-1)
    picks = np.sort(
        rng.integers(0, n, size=(rows.shape[0], resamples, n), dtype=_position_type(n)), -1
    )
    lower = np.take_along_axis(rows, picks[..., (n - 1) // 2].astype(np.intp), axis=-1)
    upper = np.take_along_axis(rows, picks[..., n // 2].astype(np.intp), axis=-1)
    return ((lower + upper) / 2).reshape(*values.shape[:-1], resamples)


def percentile_interval(estimates: Array, level: float = BOOTSTRAP_LEVEL) -> tuple[Array, Array]:
    tail = (1 - level) / 2
    low, high = np.quantile(estimates, [tail, 1 - tail], axis=-1)
    return low, high


def median_interval(
    rng: np.random.Generator, values: Array, resamples: int = 1000
) -> tuple[Array, Array]:
    """`stats.bootstrap_ci(values)`: the percentile-bootstrap "95%" interval of the median."""
    return percentile_interval(bootstrap_medians(rng, values, resamples))


def ratio_interval(
    rng: np.random.Generator, numerators: Array, denominators: Array, resamples: int = 1000
) -> tuple[Array, Array]:
    """`stats.ratio_ci(b, a)`: each side resampled on its own, ratio of the medians."""
    top = bootstrap_medians(rng, numerators, resamples)
    bottom = bootstrap_medians(rng, denominators, resamples)
    return percentile_interval(top / bottom)


def changed(
    rng: np.random.Generator,
    a: Array,
    b: Array,
    threshold_pct: float = 5.0,
    resamples: int = 1000,
) -> IntArray:
    """+1 improved, -1 regressed, 0 no difference per cell, as `compare` decides today."""
    ratio = np.median(b, axis=-1) / np.median(a, axis=-1)
    low, high = ratio_interval(rng, b, a, resamples)
    change = (ratio - 1) * 100
    improved = (low > 1) & (change > threshold_pct)
    regressed = (high < 1) & (-change > threshold_pct)
    return improved.astype(np.int64) - regressed.astype(np.int64)


def robust_scores(values: Array) -> Array:
    """`checks.stability.robust_scores` per row: |x - median| / (1.4826 * MAD)."""
    centre = np.median(values, axis=-1, keepdims=True)
    deviations = np.abs(values - centre)
    spread = MAD_SCALE * np.median(deviations, axis=-1, keepdims=True)
    fallback = MEAN_AD_SCALE * deviations.mean(axis=-1, keepdims=True)
    spread = np.where(spread == 0, fallback, spread)
    return np.divide(deviations, spread, out=np.zeros_like(deviations), where=spread > 0)


def flag_rows(values: Array) -> Array:
    """True for each row in which a trial's modified z-score exceeds 3.5."""
    return np.asarray((robust_scores(values) > OUTLIER_LIMIT).any(axis=-1), dtype=np.float64)


def resolution(cv: float, n_a: int, n_b: int) -> float:
    """The A/A resolution as `aa_resolution` states it today."""
    return POWER_FACTOR * cv * float(np.sqrt(1 / n_a + 1 / n_b))


def _position_type(n: int) -> type[np.signedinteger[Any]]:
    return np.int8 if n <= np.iinfo(np.int8).max else np.int32
