"""Do the hosts of a merged run agree? One-way random effects on the rounds' log ratios.

A merged run's rounds each ran wholly on one host (lab.model.shards), so a ratio's
per-round log ratio d (lab.analysis.blocked) already pairs away both the host's drift
and the host itself: the blocked estimate over every round is the ratio on the plan's
mix of hosts. Whether the hosts agree is the question left: group d by host (a shard on
its host; lab.analysis.hosts) and fit d = mu + host effect + round noise, with the host
effects drawn with sd sigma_b:

- F = MS_between / MS_within on (k - 1, N - k) degrees of freedom tests sigma_b = 0
  ("the hosts agree"); exact under normal round noise, balanced or not.
- sigma_b^2 = (MS_between - MS_within) / n0, n0 = (N - sum n_i^2 / N) / (k - 1) (the
  rounds per host, for unequal ones; Searle, Casella and McCulloch 1992, 3.6), taken as 0
  when negative; its interval is the modified large-sample interval of Ting, Burdick,
  Graybill, Jeyaratnam and Lu (1990) for a difference of two mean squares, the square
  root of which bounds sigma_b. Its lower end is above 0 exactly when the F test rejects
  at 2.5% (the interval's one-sided level), so "hosts agree" rejected at 5% may still
  come with an interval from 0.

Its error rates under drift, AR(1) noise and steps within hosts are lab.analysis.hostsim's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats  # type: ignore[import-untyped]

from lab.analysis.intervals import DEFAULT_LEVEL, Array

METHOD = "one-way random effects on per-round log ratios by host (F test; Ting et al. MLS)"
# The test's size: "hosts disagree" is said when p falls below it.
ALPHA = 0.05


@dataclass(frozen=True, slots=True)
class OneWay:
    """The hosts' agreement on one ratio: the F test and the between-host sd (logs)."""

    f: float
    df_between: int
    df_within: int
    p_value: float
    sd_between: float
    sd_between_low: float
    sd_between_high: float
    sd_within: float
    level: float


def one_way(groups: Sequence[Sequence[float]], level: float = DEFAULT_LEVEL) -> OneWay | None:
    """The one-way analysis of `groups` (each host's rounds' log ratios); None without two
    hosts with a round each and one host with two rounds (no within-host spread)."""
    kept = [np.asarray(group, dtype=np.float64) for group in groups if len(group) > 0]
    k = len(kept)
    total = sum(group.size for group in kept)
    if k < 2 or total - k < 1:
        return None
    grand = float(np.concatenate(kept).mean())
    between = sum(group.size * (float(group.mean()) - grand) ** 2 for group in kept)
    within = sum(float(np.sum((group - group.mean()) ** 2)) for group in kept)
    df1, df2 = k - 1, total - k
    ms1, ms2 = between / df1, within / df2
    n0 = (total - sum(group.size**2 for group in kept) / total) / df1
    f = ms1 / ms2 if ms2 > 0 else math.inf
    p = float(stats.f.sf(f, df1, df2)) if math.isfinite(f) else 0.0
    low, high = _mls(ms1, ms2, df1, df2, n0, level)
    return OneWay(
        f=f,
        df_between=df1,
        df_within=df2,
        p_value=p,
        sd_between=math.sqrt(max(0.0, (ms1 - ms2) / n0)),
        sd_between_low=math.sqrt(low),
        sd_between_high=math.sqrt(high),
        sd_within=math.sqrt(ms2),
        level=level,
    )


def _mls(
    ms1: float, ms2: float, df1: int, df2: int, n0: float, level: float
) -> tuple[float, float]:
    """The modified large-sample interval of (ms1 - ms2) / n0, clipped at 0."""
    a = (1 - level) / 2
    g1 = 1 - df1 / stats.chi2.ppf(1 - a, df1)
    h1 = df1 / stats.chi2.ppf(a, df1) - 1
    g2 = 1 - df2 / stats.chi2.ppf(1 - a, df2)
    h2 = df2 / stats.chi2.ppf(a, df2) - 1
    f_hi, f_lo = stats.f.ppf(1 - a, df1, df2), stats.f.ppf(a, df1, df2)
    g12 = ((f_hi - 1) ** 2 - g1**2 * f_hi**2 - h2**2) / f_hi
    h12 = ((1 - f_lo) ** 2 - h1**2 * f_lo**2 - g2**2) / f_lo
    centre = ms1 - ms2
    below = g1**2 * ms1**2 + h2**2 * ms2**2 + g12 * ms1 * ms2
    above = h1**2 * ms1**2 + g2**2 * ms2**2 + h12 * ms1 * ms2
    low = (centre - math.sqrt(max(below, 0.0))) / n0
    high = (centre + math.sqrt(max(above, 0.0))) / n0
    return max(low, 0.0), max(high, 0.0)


def f_test_arrays(values: Array) -> Array:
    """The F test's p-values of many balanced designs at once: `values` is (runs, hosts,
    rounds per host); the simulation's form of one_way's test."""
    runs, k, n = values.shape
    means = values.mean(axis=-1)
    grand = means.mean(axis=-1)
    ms1 = n * np.sum((means - grand[:, None]) ** 2, axis=-1) / (k - 1)
    ms2 = np.sum((values - means[..., None]) ** 2, axis=(-1, -2)) / (k * (n - 1))
    return np.asarray(stats.f.sf(ms1 / ms2, k - 1, k * (n - 1)), dtype=np.float64).reshape(runs)
