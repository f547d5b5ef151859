"""The A/A resolution: the smallest change compare's own test detects with 80% power.

The test is Welch's t on log req/s, two-sided at 5% (`verdicts`). Its power is computed
for that test itself: the difference of mean logs is normal, each side's sample variance
an independent scaled chi-square, and Welch's degrees of freedom follow from those
variances; the power is the chance |difference| exceeds t(1 - alpha/2, df) * se,
averaged over a grid of the two variances' quantiles. At 3 trials a side Welch's df is
anywhere between 2 and 4, so a fixed-df noncentral t (df 4) still overstates the power,
and 2.8 standard errors (normal quantiles, the rule before) promises 80% where the test
delivers about 40-60%.

The resolution is then solved from power(log(1 + r)) = 80% at the observed CV. It says
what this many trials at this CV can see; the CV itself is estimated from few trials, so
the figure is as uncertain as that estimate.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
from scipy import optimize, stats  # type: ignore[import-untyped]

from lab.analysis.intervals import Array
from lab.analysis.verdicts import ALPHA

POWER = 0.80
# Quantile midpoints per side: 400 x 400 variance pairs put the power within 0.1 point.
GRID = 400
RULE = (
    "smallest B/A change that Welch's t-test on log req/s (two-sided, alpha 5%) detects"
    " with 80% power at the observed CV"
)


def log_sigma(cv: float) -> float:
    """The standard deviation of log req/s for lognormal trials of this CV."""
    if not cv >= 0:
        raise ValueError(f"CV must be >= 0, got {cv!r}")
    return math.sqrt(math.log1p(cv * cv))


@cache
def _rejection_limits(n_a: int, n_b: int, alpha: float) -> Array:
    """|difference| / sigma beyond which Welch rejects, over the grid of sample variances."""
    u = (np.arange(GRID) + 0.5) / GRID
    var_a = stats.chi2.ppf(u, n_a - 1)[:, None] / (n_a - 1) / n_a
    var_b = stats.chi2.ppf(u, n_b - 1)[None, :] / (n_b - 1) / n_b
    se2 = var_a + var_b
    df = se2**2 / (var_a**2 / (n_a - 1) + var_b**2 / (n_b - 1))
    limits: Array = stats.t.ppf(1 - alpha / 2, df) * np.sqrt(se2)
    return limits.ravel()


def welch_power(effect: float, n_a: int, n_b: int, alpha: float = ALPHA) -> float:
    """Power of the two-sided Welch test when the mean logs differ by `effect` sigmas.

    sigma is one trial's standard deviation of log req/s, the same on both sides.
    """
    _check(n_a, n_b, alpha)
    limits = _rejection_limits(n_a, n_b, alpha)
    spread = math.sqrt(1 / n_a + 1 / n_b)
    above = stats.norm.sf((limits - effect) / spread)
    below = stats.norm.cdf((-limits - effect) / spread)
    return float(np.mean(above + below))


def resolution(cv: float, n_a: int, n_b: int, alpha: float = ALPHA, power: float = POWER) -> float:
    """The smallest relative change (0.12 for 12%) detected with `power`, either way.

    Solves welch_power(log(1 + r) / sigma) = power for r. A rise of r is the harder
    direction in logs (a fall of r is a larger log change), so the claim holds for both.
    alpha is per test: pass alpha / cells for the first step of Holm over a run's cells.
    """
    _check(n_a, n_b, alpha)
    if not alpha < power < 1:
        raise ValueError(f"power must be between alpha and 1, got {power!r}")
    upper = 1.0
    while welch_power(upper, n_a, n_b, alpha) < power:
        upper *= 2
    effect = optimize.brentq(
        lambda e: welch_power(e, n_a, n_b, alpha) - power, 0.0, upper, xtol=1e-9
    )
    return math.expm1(effect * log_sigma(cv))


def _check(n_a: int, n_b: int, alpha: float) -> None:
    if n_a < 2 or n_b < 2:
        raise ValueError(f"a resolution needs 2 trials a side, got {n_a} and {n_b}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")


BLOCKED_RULE = (
    "smallest B/A change that the blocked t-test on per-round log ratios (two-sided,"
    " alpha 5%) detects with 80% power at the observed per-round spread"
)


def blocked_power(effect: float, df: int, alpha: float = ALPHA) -> float:
    """Power of the blocked t-test when the log ratio is `effect` standard errors from 1.

    The statistic is the fit's centre over its estimated standard error: noncentral t on
    the fit's degrees of freedom, whatever the spread turns out to be.
    """
    if df < 1:
        raise ValueError(f"a blocked test needs 1 degree of freedom at least, got {df}")
    critical = stats.t.ppf(1 - alpha / 2, df)
    return float(stats.nct.sf(critical, df, effect) + stats.nct.cdf(-critical, df, effect))


def blocked_resolution(
    standard_error: float, df: int, alpha: float = ALPHA, power: float = POWER
) -> float:
    """The smallest relative change the blocked test detects with `power`, either way.

    `standard_error` is the blocked fit's (logs): its spread times the square root of its
    variance factor, or its interval's half-width over t. A run's spread is, at its
    median, below the true one (a chi-square on `df` degrees of freedom: by 17% at 2),
    so it is scaled to be median-unbiased first; the resolution is then the change the
    test detects 4 times in 5 for the true spread as often as not. A rise is the harder
    direction in logs, so the claim holds for both.
    """
    if not standard_error >= 0:
        raise ValueError(f"a standard error must be >= 0, got {standard_error!r}")
    upper = 1.0
    while blocked_power(upper, df, alpha) < power:
        upper *= 2
    effect = optimize.brentq(lambda e: blocked_power(e, df, alpha) - power, 0.0, upper, xtol=1e-9)
    unbiased = standard_error * math.sqrt(df / stats.chi2.ppf(0.5, df))
    return math.expm1(effect * unbiased)
