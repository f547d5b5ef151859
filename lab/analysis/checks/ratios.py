"""Is an app ratio as precise as a reader needs, and if not, why not?

A blocked ratio (lab.analysis.blocked) is as wide as its rounds disagree: the drift every
app shares has left it, so what is left is each trial's own noise, a drift the apps do
not feel alike, and the host's disturbances. A ratio whose 95% interval is wider than
±WIDE_PCT% gets a finding that says which of these the run's own evidence shows:

- the rounds whose trials the host disturbed (lab.analysis.disturbance);
- whether the ratio moved with the host's speed (the rounds' speeds, lab.analysis.drift):
  the ratio over the faster half of the rounds against the slower half, when their
  correlation is beyond chance (a seeded permutation test);
- the rounds that would bring it within ±WIDE_PCT% at the spread seen.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from scipy import stats  # type: ignore[import-untyped]

from lab.analysis.blocked import RoundPair, blocked_fit, observations, round_pairs
from lab.analysis.checks.findings import cell_finding
from lab.analysis.disturbance import disturbances
from lab.model.cell import Cell
from lab.results.findings import Finding
from lab.results.records import TrialRecord
from lab.results.summarydoc import Summary
from lab.text import TIMES, format_ratio, plural

WIDE_PCT = 10.0
ALPHA = 0.05
PERMUTATIONS = 2000
SEED = 0


def check_ratio_precision(records: Sequence[TrialRecord], summary: Summary) -> list[Finding]:
    """A finding for each blocked ratio wider than ±WIDE_PCT%, saying why."""
    observed = observations(records)
    disturbed = disturbances(records)
    speeds = summary.drift.by_round() if summary.drift is not None else {}
    findings = []
    for ratio in summary.ratios:
        width = ratio.half_width_pct
        if not ratio.pairs or width is None or width <= WIDE_PCT:
            continue
        top = Cell(ratio.numerator, ratio.scenario, ratio.connections)
        bottom = top._replace(app=ratio.denominator)
        pairs = round_pairs(observed, top, bottom)
        fit = blocked_fit(pairs)
        if fit is None:
            continue
        shaken = sorted(
            {r.repetition for r in records if r.index in disturbed and r.cell in (top, bottom)}
        )
        drift = summary.drift
        paired_away = (
            "the drift every app shares was paired away"
            if drift is None
            else f"the host's drift, {drift.spread:.0%} from its slowest round to its fastest,"
            " moved every app alike and was paired away"
        )
        why = [
            f"its rounds' ratios spread by ±{math.expm1(fit.spread):.0%} (sd), the trials' own"
            f" noise: {paired_away}"
        ]
        if shaken:
            why.append(
                f"{plural(len(shaken), 'round')} of {fit.pairs} had a trial the host disturbed"
                f" (rounds {', '.join(map(str, shaken))})"
            )
        moved = _moved_with_host(pairs, speeds)
        if moved is not None:
            fast, slow = moved
            why.append(
                f"the ratio moved with the host's speed: {format_ratio(fast)}{TIMES} over the"
                f" faster half of the rounds, {format_ratio(slow)}{TIMES} over the slower"
                " (the apps do not feel the host alike)"
            )
        needed = rounds_for(fit.spread, WIDE_PCT)
        findings.append(
            cell_finding(
                "warning",
                "wide-ratio",
                top,
                f"{ratio.numerator}/{ratio.denominator} has a 95% CI of ±{width:.1f}%,"
                f" wider than ±{WIDE_PCT:g}%: " + "; ".join(why) + ".",
                _remedy(needed),
            )
        )
    return findings


def rounds_for(spread: float, target_pct: float) -> int:
    """The rounds a paired interval needs to be within ±target_pct% at this spread."""
    h = math.asinh(target_pct / 100)
    n = 3
    while stats.t.ppf(0.975, n - 1) * spread / math.sqrt(n) > h and n < 10_000:
        n += 1
    return n


def _remedy(needed: int) -> str:
    more = (
        f"About {needed} rounds would bring it within ±{WIDE_PCT:g}% at this spread"
        f" (--repetitions {needed}, or --target-ci {WIDE_PCT:g} --max-time 20m to let the lab"
        " decide)"
    )
    return (
        f"{more}; shorter trials buy more rounds in the same time (--duration); a quieter"
        " host (no other guests, no other load) narrows every round."
    )


def _moved_with_host(
    pairs: Sequence[RoundPair], speeds: Mapping[int, float]
) -> tuple[float, float] | None:
    """The ratio over the faster and the slower half of the rounds, when it correlates
    with the host's speed beyond chance; None otherwise (or too few rounds)."""
    usable = [p for p in pairs if p.round in speeds]
    if len(usable) < 6:
        return None
    d = np.array([p.log_ratio for p in usable])
    h = np.log(np.array([speeds[p.round] for p in usable]))
    if np.ptp(h) == 0 or np.ptp(d) == 0:
        return None
    observed = abs(float(np.corrcoef(d, h)[0, 1]))
    rng = np.random.default_rng(SEED)
    shuffled = rng.permuted(np.broadcast_to(d, (PERMUTATIONS, len(d))), axis=-1)
    centred = shuffled - shuffled.mean(axis=-1, keepdims=True)
    hc = h - h.mean()
    corr = np.abs(centred @ hc) / (np.linalg.norm(centred, axis=-1) * np.linalg.norm(hc))
    p_value = (1 + int(np.sum(corr >= observed - 1e-12))) / (1 + PERMUTATIONS)
    if p_value > ALPHA:
        return None
    order = np.argsort(h)
    half = len(order) // 2
    slow, fast = order[:half], order[-half:]
    return float(np.exp(d[fast].mean())), float(np.exp(d[slow].mean()))
