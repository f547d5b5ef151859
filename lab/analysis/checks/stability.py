"""Is a cell's number repeatable? Spread across trials, outlying trials, and A/A resolution.

Repetitions needed (t-based): the smallest n >= 2 with t(0.975, n - 1) * CV / sqrt(n) <= 5%,
so that the 95% confidence interval of the mean req/s is within ±5% of it at the observed
CV. It ignores that CV itself was estimated from few trials, so treat it as a minimum;
`lab run --target-ci 5` measures until the intervals are that narrow instead.

Outliers: Grubbs' test on log req/s (lab.analysis.outliers), which flags at most 5% of
clean cells at any trial count; flagged trials are reported, never dropped.

The A/A resolution is the smallest change the run's own test detects with 80% power
(lab.analysis.resolution): the blocked t-test of the b/a ratio the summary reports, at
its per-round spread, or, where the variants share too few rounds, Welch's t on log
req/s at the pair's CV.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from scipy import stats  # type: ignore[import-untyped]

from lab.analysis.checks.cells import ok_trials_by_cell
from lab.analysis.checks.findings import cell_finding
from lab.analysis.disturbance import RULE as DISTURBANCE_RULE
from lab.analysis.disturbance import disturbances
from lab.analysis.intervals import ratio_interval
from lab.analysis.outliers import RULE as OUTLIER_RULE
from lab.analysis.outliers import find_outlier
from lab.analysis.resolution import BLOCKED_RULE, blocked_resolution, resolution
from lab.analysis.resolution import RULE as AA_RULE
from lab.analysis.stats import cv, median
from lab.model.cell import Cell
from lab.results.findings import Finding
from lab.results.records import TrialRecord
from lab.results.summarydoc import Ratio, Summary
from lab.text import (
    TIMES,
    format_level,
    format_rate,
    format_ratio,
    format_ratio_interval,
    plural,
)

CV_LIMIT = 0.05
TARGET_HALF_WIDTH = 0.05  # of the 95% CI of the mean, relative to the mean


def t_975(df: int) -> float:
    """The 97.5% quantile of Student's t with `df` degrees of freedom."""
    if df < 1:
        raise ValueError(f"degrees of freedom must be at least 1, got {df}")
    return float(stats.t.ppf(0.975, df))


def ci_half_width(variation: float, n: int) -> float:
    """Half-width of the t-based 95% CI of the mean, relative to the mean."""
    return t_975(n - 1) * variation / math.sqrt(n)


def repetitions_needed(variation: float, target: float = TARGET_HALF_WIDTH) -> int:
    """The smallest n >= 2 with ci_half_width(variation, n) <= target (see module doc)."""
    if not target > 0:
        raise ValueError(f"target half-width must be positive, got {target!r}")
    n = max(2, math.floor((float(stats.norm.ppf(0.975)) * variation / target) ** 2))
    while ci_half_width(variation, n) > target:
        n += 1
    return n


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
                f" within ±{TARGET_HALF_WIDTH:.0%} at this CV, let the lab add rounds until the"
                " ratios are that precise (--target-ci 5 --max-time 30m), or quiet the host (no"
                " other load, fixed CPU frequency).",
            )
        )
    return findings


def check_outliers(records: Sequence[TrialRecord]) -> list[Finding]:
    """Warn for each cell of 3 or more ok trials in which Grubbs' test flags a trial.

    The host's evidence comes first: a flagged trial the host disturbed is left to the
    host-disturbed finding, and one it shows undisturbed says so instead of guessing.
    """
    disturbed = disturbances(records)
    findings = []
    for key, trials in ok_trials_by_cell(records).items():
        # A trial at 0 req/s has no logarithm; the failed-trial and error checks speak of it.
        measured = [(t, t.rps) for t in trials if t.rps is not None and t.rps > 0]
        values = [rps for _, rps in measured]
        outlier = find_outlier(values)
        if outlier is None:
            continue
        trial = measured[outlier.position][0]
        if trial.index in disturbed:
            continue
        direction = "slow" if outlier.value < median(values) else "fast"
        if trial.host is not None:
            remedy = (
                f"The host's evidence shows nothing else on the run's CPUs during trial "
                f"{trial.index} ({DISTURBANCE_RULE} not met): the app or the engine varied; "
                "re-run the cell to see whether it recurs."
            )
        else:
            remedy = (
                f"See what else ran on the host during trial {trial.index} (its started_at)"
                " and re-run the cell if it was disturbed."
            )
        findings.append(
            cell_finding(
                "warning",
                "outlier-trial",
                key,
                f"trial {trial.index} at {format_rate(outlier.value)} req/s is {direction} beside"
                f" the cell's median of {format_rate(median(values))} (Grubbs' G"
                f" {outlier.score:.2f} above its limit of {outlier.limit:.2f}; {OUTLIER_RULE});"
                " flagged, not dropped.",
                remedy,
            )
        )
    return findings


def aa_resolution(
    cell_a_rps: Sequence[float], cell_b_rps: Sequence[float], blocked: Ratio | None = None
) -> dict[str, Any]:
    """What an A/A pair (two identically configured variants) says about this machine.

    With the summary's `blocked` ratio b/a, `ratio` is its estimate and interval and
    `resolution` the smallest change its blocked t-test detects with 80% power at its
    standard error; without one, the ratio of geometric means with Welch's interval on
    log req/s and the resolution of Welch's test at the pair's CV (root mean square of
    the two CVs). `differ` is True when the interval excludes 1, which for identical
    variants means a bias (order, placement) larger than the noise, or the 5% of pairs
    that differ by chance.
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
    found: dict[str, Any] = {
        "n": [n_a, n_b],
        "rps_median": [median(cell_a_rps), median(cell_b_rps)],
        "cv": [cv_a, cv_b],
        "cv_pooled": pooled,
    }
    if blocked is not None and blocked.pairs and blocked.ci is not None and blocked.ratio:
        df = blocked.pairs - 1
        low, high, estimate = blocked.ci.low, blocked.ci.high, blocked.ratio
        standard_error = (math.log(high) - math.log(low)) / 2 / t_975(df)
        found |= {
            "pairs": blocked.pairs,
            "resolution": blocked_resolution(standard_error, df),
            "rule": BLOCKED_RULE,
        }
        level = blocked.ci.level
    else:
        interval = ratio_interval(cell_b_rps, cell_a_rps)
        low, high, estimate, level = interval.low, interval.high, interval.estimate, interval.level
        found |= {"resolution": resolution(pooled, n_a, n_b), "rule": AA_RULE}
    return found | {
        "ratio": estimate,
        "ci": [low, high],
        "level": level,
        "ci_half_width": (high - low) / 2,
        "differ": not low <= 1.0 <= high,
    }


def aa_finding(key: Cell, result: Mapping[str, Any]) -> Finding:
    """The A/A result as a finding: info with the resolution, a warning if they differ."""
    app = key[0]
    interval = format_ratio_interval(result["ci"], result["ratio"])
    level = format_level(result["level"])
    ratio = f"{app}:b / {app}:a = {format_ratio(result['ratio'])}{TIMES} ({level} CI {interval})"
    if "pairs" in result:
        over = f"paired over {plural(result['pairs'], 'round')}"
        noise = f"{over}, the smallest change this run's test detects 4 times in 5 is"
    else:
        over = f"at CV {result['cv_pooled']:.1%} over {plural(sum(result['n']), 'trial')}"
        noise = f"{over}, the smallest change compare detects 4 times in 5 is"
    noise += f" {result['resolution']:.1%}"
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
