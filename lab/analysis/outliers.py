"""An outlying trial, flagged with a false-alarm rate of at most 5% per clean cell.

Grubbs' test on log req/s: G = max |log x - mean| / sd, against the critical value
((n - 1) / sqrt(n)) * sqrt(t^2 / (n - 2 + t^2)) with t the 1 - alpha / (2n) quantile of
Student's t on n - 2 degrees of freedom. For a cell of trials that are lognormal and
independent, a flag is raised in at most `alpha` of cells (Bonferroni over the n
trials, exact when only one trial can exceed the limit), at every n >= 3.

Why not the modified z-score > 3.5 (Iglewicz and Hoaglin): its 3.5 assumes a MAD
estimated from many values. At 3-5 trials the MAD is one small deviation, and clean
normal cells are flagged 20-29% of the time. Logs, because throughput noise is
multiplicative: a slow trial at CV 25% is not an outlier, a skewed tail is expected.

Flagged trials are reported, never dropped; below 3 trials nothing can be called
outlying. Independence matters: a slow spell spanning several trials (autocorrelated
noise) can mask itself, and the rate of flags on clean but autocorrelated cells differs;
the simulation reports it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy import stats  # type: ignore[import-untyped]

from lab.analysis.intervals import Array

ALPHA = 0.05
MIN_TRIALS = 3
RULE = "Grubbs' test on log req/s, 5% false alarms per clean cell"


@dataclass(frozen=True, slots=True)
class Outlier:
    """The most outlying trial of a cell: its position in the values given, and G."""

    position: int
    value: float
    score: float
    limit: float


# req/s is whole responses over a measured window: trials whose logs spread by less than
# this are equal as measured. Without it, rounding noise decides: at 3 trials Grubbs' G
# of two equal values and a third is always its maximum, (n-1)/sqrt(n), above the limit,
# however small the third one's difference.
TIE_SD = 1e-9


@cache
def grubbs_limit(n: int, alpha: float = ALPHA) -> float:
    """Two-sided Grubbs critical value of G for n values (see module doc)."""
    if n < MIN_TRIALS:
        raise ValueError(f"Grubbs' test needs at least {MIN_TRIALS} values, got {n}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
    t = stats.t.ppf(1 - alpha / (2 * n), n - 2)
    return float((n - 1) / math.sqrt(n) * math.sqrt(t * t / (n - 2 + t * t)))


def grubbs_scores(values: Array) -> Array:
    """G of each row: the largest |log x - mean| over the sample sd, trials on the last axis.

    A row without spread (below TIE_SD) scores 0: no trial stands out from equal ones.
    """
    logs = np.log(values)
    deviations = np.abs(logs - logs.mean(axis=-1, keepdims=True))
    sd = logs.std(axis=-1, ddof=1, keepdims=True)
    scores = np.divide(deviations, sd, out=np.zeros_like(deviations), where=sd > TIE_SD)
    return np.asarray(scores.max(axis=-1), dtype=np.float64)


def flag_rows(values: Array, alpha: float = ALPHA) -> Array:
    """True for each row (cell) with an outlying trial; never below 3 trials."""
    n = values.shape[-1]
    if n < MIN_TRIALS:
        return np.zeros(values.shape[:-1], dtype=np.float64)
    return np.asarray(grubbs_scores(values) > grubbs_limit(n, alpha), dtype=np.float64)


def find_outlier(values: Sequence[float], alpha: float = ALPHA) -> Outlier | None:
    """The trial Grubbs' test flags in this cell's req/s, or None.

    One at a time: after a flag, a caller may test the rest again (each step then has
    its own alpha), but a cell of 3-20 trials rarely holds two independent upsets.
    """
    array = np.asarray(values, dtype=np.float64)
    if not (np.all(np.isfinite(array)) and np.all(array > 0)):
        raise ValueError(f"req/s values must be positive and finite, got {list(values)}")
    if len(array) < MIN_TRIALS:
        return None
    logs = np.log(array)
    sd = float(logs.std(ddof=1))
    if sd <= TIE_SD:
        return None
    deviations = np.abs(logs - logs.mean()) / sd
    position = int(np.argmax(deviations))
    limit = grubbs_limit(len(array), alpha)
    score = float(deviations[position])
    if score <= limit:
        return None
    return Outlier(position, float(array[position]), score, limit)
