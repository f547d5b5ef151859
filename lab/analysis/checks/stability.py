"""Is a cell's number repeatable? Spread across trials, outlying trials, and A/A resolution.

Repetitions needed (t-based): the smallest n >= 2 with t(0.975, n - 1) * CV / sqrt(n) <= 5%,
so that the 95% confidence interval of the mean req/s is within ±5% of it at the observed
CV. It is never below the normal approximation ceil((1.96 * CV / 0.05)^2), which ignores
that CV itself was estimated from few trials. The headline is a median, whose interval is
wider still (about 1.25x for normal data), so treat the count as a minimum.

Outliers use the modified z-score of Iglewicz and Hoaglin: |x - median| / (1.4826 * MAD)
above 3.5 flags a trial. Flagged trials are reported, never dropped. When more than half
the values are equal the MAD is 0, and the mean absolute deviation from the median scaled
by 1.253314 stands in for it; when that is 0 too, every value is the median.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from lab.analysis.checks.cells import ok_trials_by_cell
from lab.analysis.checks.findings import cell_finding
from lab.analysis.stats import cv, median, ratio_ci
from lab.model.plan import Cell
from lab.results.findings import Finding
from lab.results.records import TrialRecord
from lab.results.summarydoc import Summary
from lab.text import TIMES, format_rate, format_ratio, format_ratio_interval, plural

CV_LIMIT = 0.05
TARGET_HALF_WIDTH = 0.05  # of the 95% CI of the mean, relative to the mean
Z_975 = 1.959963984540054
OUTLIER_LIMIT = 3.5
MAD_SCALE = 1.4826  # 1 / Phi^-1(0.75): makes the MAD estimate a normal sigma
FLOAT_NOISE = 1e-9
MEAN_AD_SCALE = 1.253314  # sqrt(pi / 2): the same for the mean absolute deviation
# z(0.975) + z(0.80): a difference this many standard errors wide is detected by a
# two-sided 5% test four times out of five.
POWER_FACTOR = 2.8
AA_RULE = "resolution = 2.8 * CV * sqrt(1/n_a + 1/n_b), CV = sqrt((CV_a^2 + CV_b^2) / 2)"
# t(0.975, df) for df 1..4; above that the Cornish-Fisher series is within 3e-4.
_T_975_SMALL = (12.706204736174707, 4.302652729749464, 3.182446305284263, 2.7764451051977934)


def t_975(df: int) -> float:
    """The 97.5% quantile of Student's t with `df` degrees of freedom."""
    if df < 1:
        raise ValueError(f"degrees of freedom must be at least 1, got {df}")
    if df <= len(_T_975_SMALL):
        return _T_975_SMALL[df - 1]
    z = Z_975
    terms = (
        (z**3 + z) / 4,
        (5 * z**5 + 16 * z**3 + 3 * z) / 96,
        (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384,
        (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160,
    )
    return z + sum(term / float(df) ** power for power, term in enumerate(terms, start=1))


def ci_half_width(variation: float, n: int) -> float:
    """Half-width of the t-based 95% CI of the mean, relative to the mean."""
    return t_975(n - 1) * variation / math.sqrt(n)


def repetitions_needed(variation: float, target: float = TARGET_HALF_WIDTH) -> int:
    """The smallest n >= 2 with ci_half_width(variation, n) <= target (see module doc)."""
    if not target > 0:
        raise ValueError(f"target half-width must be positive, got {target!r}")
    n = max(2, math.floor((Z_975 * variation / target) ** 2))
    while ci_half_width(variation, n) > target:
        n += 1
    return n


def robust_scores(values: Sequence[float]) -> list[float]:
    """Each value's modified z-score |x - median| / (1.4826 * MAD) (see module doc)."""
    centre = median(values)
    deviations = [abs(value - centre) for value in values]
    # A spread within rounding of the centre is none: trials an ulp apart are equal, not
    # a yardstick that makes every other trial a 10^16-sigma outlier.
    negligible = FLOAT_NOISE * abs(centre)
    spread = MAD_SCALE * median(deviations)
    if spread <= negligible:
        spread = MEAN_AD_SCALE * sum(deviations) / len(deviations)
    if spread <= negligible:
        return [0.0] * len(values)
    return [deviation / spread for deviation in deviations]


def check_stability(summary: Summary) -> list[Finding]:
    """Warn for each cell whose CV exceeds 5%, or that has a single ok trial."""
    findings = []
    for cell in summary.cells:
        key, rps = cell.key, list(cell.rps)
        if len(rps) == 1:
            findings.append(
                cell_finding(
                    "warning",
                    "single-trial",
                    key,
                    "only 1 ok trial, so its spread is unknown and its interval is a point.",
                    "Run at least 5 repetitions (--repetitions 5).",
                )
            )
            continue
        variation = cell.cv if cell.cv is not None else cv(rps)
        if len(rps) < 2 or variation is None or variation <= CV_LIMIT:
            continue
        needed = repetitions_needed(variation)
        findings.append(
            cell_finding(
                "warning",
                "high-cv",
                key,
                f"CV {variation:.1%} over {len(rps)} trials is above {CV_LIMIT:.0%}: the 95% CI"
                f" of the mean is ±{ci_half_width(variation, len(rps)):.1%} of it.",
                f"Run ≥ {needed} repetitions (--repetitions {needed}) to bring that interval"
                f" within ±{TARGET_HALF_WIDTH:.0%} at this CV, or quiet the host (no other load,"
                " fixed CPU frequency).",
            )
        )
    return findings


def check_outliers(records: Sequence[TrialRecord]) -> list[Finding]:
    """Warn for each cell of 3 or more ok trials in which a trial's req/s is an outlier."""
    findings = []
    for key, trials in ok_trials_by_cell(records).items():
        measured = [(trial.index, trial.rps) for trial in trials if trial.rps is not None]
        if len(measured) < 3:
            continue
        values = [rps for _, rps in measured]
        scores = robust_scores(values)
        flagged = [
            (index, rps, score)
            for (index, rps), score in zip(measured, scores, strict=True)
            if score > OUTLIER_LIMIT
        ]
        if not flagged:
            continue
        listed = ", ".join(
            f"trial {index} at {format_rate(rps)} req/s (modified z {score:.1f})"
            for index, rps, score in flagged
        )
        verb = "is" if len(flagged) == 1 else "are"
        findings.append(
            cell_finding(
                "warning",
                "outlier-trial",
                key,
                f"{listed} {verb} beyond the outlier limit of {OUTLIER_LIMIT}"
                f" (|x - median| / (1.4826 * MAD), median {format_rate(median(values))} req/s);"
                " flagged, not dropped.",
                f"See what else ran on the host during trial {flagged[0][0]} (its started_at)"
                " and re-run the cell if it was disturbed.",
            )
        )
    return findings


def aa_resolution(cell_a_rps: Sequence[float], cell_b_rps: Sequence[float]) -> dict[str, Any]:
    """What an A/A pair (two identically configured variants) says about this machine.

    `resolution` is the minimum detectable relative difference at 80% power and 5%
    two-sided significance, 2.8 * CV * sqrt(1/n_a + 1/n_b) with CV the root mean square
    of the two CVs: for equal n it is 2.8 * CV * sqrt(2/n). `ratio` is median(b) / median(a),
    the direction of the run's ratio line for the two variants, and `ci95` its bootstrap 95%
    interval; `differ` is True when it excludes 1, which for identical variants means a bias
    (order, placement) larger than the noise.
    """
    for name, values in (("cell_a_rps", cell_a_rps), ("cell_b_rps", cell_b_rps)):
        if len(values) < 2:
            raise ValueError(f"{name}: an A/A comparison needs at least 2 trials per variant")
        if not all(math.isfinite(value) and value > 0 for value in values):
            raise ValueError(f"{name}: req/s values must be positive, got {list(values)}")
    cv_a, cv_b = cv(cell_a_rps), cv(cell_b_rps)
    assert cv_a is not None and cv_b is not None  # positive values have a positive mean
    pooled = math.sqrt((cv_a**2 + cv_b**2) / 2)
    n_a, n_b = len(cell_a_rps), len(cell_b_rps)
    low, high = ratio_ci(cell_b_rps, cell_a_rps)
    return {
        "n": [n_a, n_b],
        "rps_median": [median(cell_a_rps), median(cell_b_rps)],
        "cv": [cv_a, cv_b],
        "cv_pooled": pooled,
        "ratio": median(cell_b_rps) / median(cell_a_rps),
        "ci95": [low, high],
        "ci_half_width": (high - low) / 2,
        "resolution": POWER_FACTOR * pooled * math.sqrt(1 / n_a + 1 / n_b),
        "differ": not low <= 1 <= high,
        "rule": AA_RULE,
    }


def aa_finding(key: Cell, result: Mapping[str, Any]) -> Finding:
    """The A/A result as a finding: info with the resolution, a warning if they differ."""
    app = key[0]
    interval = format_ratio_interval(result["ci95"], result["ratio"])
    ratio = f"{app}:b / {app}:a = {format_ratio(result['ratio'])}{TIMES} (95% CI {interval})"
    noise = (
        f"at CV {result['cv_pooled']:.1%} over {plural(sum(result['n']), 'trial')}, the"
        f" smallest difference this machine resolves is {result['resolution']:.1%}"
    )
    if result["differ"]:
        return cell_finding(
            "warning",
            "aa-differ",
            key,
            f"identical variants differ, {ratio} excludes 1{TIMES}; {noise}.",
            "Look for order or placement effects (trial order, CPU frequency, a noisy"
            " neighbour) before trusting any comparison on this machine.",
        )
    return cell_finding(
        "info",
        "aa-resolution",
        key,
        f"identical variants agree, {ratio}; {noise}.",
        f"Treat differences between apps below {result['resolution']:.1%} as noise;"
        " more --repetitions narrow it.",
    )
