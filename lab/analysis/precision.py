"""Precision on request (`lab run --target-ci PCT`): Stein's two-stage procedure.

The obvious rule, "add rounds until the interval is narrow enough", breaks the interval:
it stops when the trials happen to agree, so the final interval is too narrow. Simulated
(lab.analysis.simulation), the Welch interval of such a run covers 91-93% where it says
95%. Stein's procedure (1945) keeps its level for normal log req/s, here on the blocked
fit the summary reports (lab.analysis.blocked), so that drift stays out of it too:

1. the planned rounds are the pilot (at least PILOT_MIN): each headline's per-round log
   ratios d (its two apps' trials paired by round, as the summary pairs them) give a
   spread s0 on n0 - 1 degrees of freedom;
2. the run needs N = max(n0, ceil((t(0.975, n0 - 1) * s0 / h)^2)) rounds, h the
   half-width in logs the target asks for; the lab adds rounds until every headline has
   its N or a bound (--max-repetitions, --max-time) stops it;
3. the interval is mean(d over all rounds) +- t(0.975, n0 - 1) * s0 / sqrt(rounds): its
   width was fixed by the pilot, so a lucky agreement later cannot shrink it. It covers
   95% whatever the rounds turn out to be, for independent rounds; the drift simulation
   (lab.analysis.driftsim) measures it when the host drifts.

A run of one app has no ratio; its headlines are the cells' geometric means, with d the
log req/s itself (nothing to pair, no drift removed). A round with a failed trial in
either cell of a ratio gives no pair. Pure: what to do next is `decide`, which the
runner follows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import stats  # type: ignore[import-untyped]

from lab.analysis.blocked import RoundPair, observations, round_pairs
from lab.analysis.intervals import DEFAULT_LEVEL, Array, Interval
from lab.analysis.stopping import REACHED, Decision, bounded
from lab.analysis.summary import build_summary, stated
from lab.model.cell import Cell
from lab.results.records import TrialRecord
from lab.results.summarydoc import Precision, Summary

STEIN = "Stein two-stage, paired by round"
STEIN_CELL = "Stein two-stage, t on log req/s"

# Why a run stopped adding rounds: lab.analysis.stopping's reasons, and this one.
NO_PILOT = "no-pilot"  # a headline had fewer than 2 ok pilot pairs: no spread to plan from


@dataclass(frozen=True, slots=True)
class Headline:
    """One interval the target applies to: a ratio (numerator over baseline) or a cell."""

    name: str
    numerator: Cell
    denominator: Cell | None  # None: a cell's own geometric mean


@dataclass(frozen=True, slots=True)
class Progress:
    """A headline's state: its pilot spread, rounds needed and had, and interval so far."""

    headline: Headline
    pilot: int  # pairs in the pilot rounds
    needed: int | None  # None: the pilot has too few pairs, or no spread to go on
    pairs: int
    interval: Interval | None

    @property
    def reached(self) -> bool:
        return self.needed is not None and self.pairs >= self.needed


def headlines(summary: Summary, baseline: str | None) -> list[Headline]:
    """Every app ratio to the baseline; a cell's own value when the run has one app."""
    cells = [cell.key for cell in summary.cells]
    ratios = [
        Headline(
            f"{key.scenario} @{key.connections} {key.app}/{baseline}",
            key,
            key._replace(app=baseline),
        )
        for key in cells
        if baseline is not None and key.app != baseline and key._replace(app=baseline) in cells
    ]
    if ratios:
        return ratios
    return [Headline(f"{k.scenario} @{k.connections} {k.app}", k, None) for k in cells]


def headline_pairs(records: Sequence[TrialRecord], headline: Headline) -> list[RoundPair]:
    """A headline's pairs, one per round whose trials it needs are ok with req/s above 0;
    a cell's own headline pairs each round's log req/s with nothing (a gap of 0)."""
    observed = observations(records)
    if headline.denominator is None:
        mine = {o.round: math.log(o.rps) for o in observed if o.cell == headline.numerator}
        return [RoundPair(n, mine[n], 0.0) for n in sorted(mine)]
    return round_pairs(observed, headline.numerator, headline.denominator)


def half_width_log(target_pct: float) -> float:
    """The log half-width h whose interval exp(m -+ h) is within +-target_pct of exp(m).

    The ratio interval is asymmetric; its half-width relative to the estimate is sinh(h).
    """
    return math.asinh(target_pct / 100)


def pilot_t(pilot: int) -> float:
    """t(0.975) on the pilot's pilot - 1 degrees of freedom."""
    return float(stats.t.ppf(1 - (1 - DEFAULT_LEVEL) / 2, pilot - 1))


def rounds_needed(spreads: Array, pilot: int, target_pct: float) -> Array:
    """Stein's N for each pilot spread: the fewest rounds whose interval meets the target."""
    exact = (pilot_t(pilot) * spreads / half_width_log(target_pct)) ** 2
    # A hair of float error must not ask for one more round than the target needs.
    return np.maximum(pilot, np.ceil(exact - 1e-9)).astype(np.int64)


def stein_half_width(spreads: Array, pilot: int, pairs: Array) -> Array:
    """The interval's half-width in logs: the pilot's t and spread over all the pairs."""
    return np.asarray(pilot_t(pilot) * spreads / np.sqrt(pairs), dtype=np.float64)


def progress(
    records: Sequence[TrialRecord], headline: Headline, pilot_rounds: int, target_pct: float
) -> Progress:
    pairs = headline_pairs(records, headline)
    pilot = np.array([pair.log_ratio for pair in pairs if pair.round <= pilot_rounds])
    everything = np.array([pair.log_ratio for pair in pairs])
    if len(pilot) < 2:
        return Progress(headline, len(pilot), None, len(everything), None)
    spread = np.array(pilot.std(ddof=1))
    needed = int(rounds_needed(spread, len(pilot), target_pct))
    centre = float(everything.mean())
    half = float(stein_half_width(spread, len(pilot), np.array(len(everything))))
    method = STEIN_CELL if headline.denominator is None else STEIN
    interval = Interval(
        math.exp(centre), math.exp(centre - half), math.exp(centre + half), DEFAULT_LEVEL, method
    )
    return Progress(headline, len(pilot), needed, len(everything), interval)


def decide(
    states: Sequence[Progress],
    rounds_done: int,
    max_rounds: int,
    elapsed_s: float,
    round_s: float,
    max_time_s: float | None,
) -> Decision:
    """Another round while a headline lacks its N and the next round fits the bounds.

    A headline whose pilot had fewer than 2 ok pairs has no spread to plan from, and
    later rounds cannot give it one (Stein's width comes from the pilot): once no other
    headline needs rounds, the run stops with NO_PILOT rather than calling it reached.
    """
    needed = [s.needed - s.pairs for s in states if s.needed is not None and not s.reached]
    target = rounds_done + max(needed) if needed else rounds_done
    if not needed:
        planless = any(s.needed is None for s in states)
        return Decision(False, NO_PILOT if planless else REACHED, target)
    bound = bounded(rounds_done, rounds_done + 1, max_rounds, elapsed_s, round_s, max_time_s)
    return Decision(bound is None, bound, target)


@dataclass(frozen=True, slots=True)
class SteinRule:
    """--target-ci as the run's rule for adding rounds (lab.analysis.stopping)."""

    apps: tuple[str, ...]
    scenarios: tuple[str, ...]
    pilot_rounds: int
    target_pct: float
    max_rounds: int
    max_time_s: float | None

    def states(self, records: Sequence[TrialRecord]) -> list[Progress]:
        summary = build_summary(records, self.apps, self.scenarios)
        return [
            progress(records, headline, self.pilot_rounds, self.target_pct)
            for headline in headlines(summary, self.apps[0])
        ]

    def decide(
        self, records: Sequence[TrialRecord], rounds_done: int, elapsed_s: float, round_s: float
    ) -> Decision:
        return decide(
            self.states(records),
            rounds_done,
            self.max_rounds,
            elapsed_s,
            round_s,
            self.max_time_s,
        )

    def round_line(self, decision: Decision, records: Sequence[TrialRecord]) -> str:
        return round_line(decision, self.states(records), self.target_pct)


def round_line(decision: Decision, states: Sequence[Progress], target_pct: float) -> str:
    """Why another round runs: "precision: round 6 (Stein asks for 9): widest hit ... ±13.2%"."""
    short = [s for s in states if not s.reached]
    widest = max(
        (s for s in short if s.interval is not None),
        key=lambda s: _half_width_pct(s.interval) if s.interval else 0.0,
        default=None,
    )
    shown = (
        ""
        if widest is None or widest.interval is None
        else f"; widest {widest.headline.name} ±{_half_width_pct(widest.interval):.1f}%"
    )
    return (
        f"precision: adding a round, {len(short)} of {len(states)} intervals short of"
        f" ±{target_pct:g}% (Stein's rule asks for {decision.rounds_needed} rounds{shown})"
    )


def with_precision(
    summary: Summary,
    records: Sequence[TrialRecord],
    baseline: str | None,
    target_pct: float,
    pilot_rounds: int,
    stopped_by: str,
) -> Summary:
    """The summary with each headline's Stein interval and whether the target was met.

    `stopped_by` is the Decision's reason, or how the run ended ("interrupted").
    """
    states = [
        progress(records, headline, pilot_rounds, target_pct)
        for headline in headlines(summary, baseline)
    ]
    by_pair = {(s.headline.numerator, s.headline.denominator): s for s in states}
    ratios = []
    for entry in summary.ratios:
        numerator = Cell(entry.numerator, entry.scenario, entry.connections)
        state = by_pair.get((numerator, numerator._replace(app=entry.denominator)))
        if state is None or state.interval is None:
            ratios.append(replace(entry, target_reached=False if state else None))
            continue
        ratios.append(
            replace(
                entry,
                ratio=state.interval.estimate,
                ci=stated(state.interval),
                target_reached=_within(state, target_pct),
            )
        )
    reached_cells: dict[Cell, bool] = {}
    for state in states:
        ok = _within(state, target_pct)
        for key in (state.headline.numerator, state.headline.denominator):
            if key is not None:
                reached_cells[key] = reached_cells.get(key, True) and ok
    cells = tuple(
        replace(cell, target_reached=reached_cells.get(cell.key)) for cell in summary.cells
    )
    widths = {s.headline.name: _half_width_pct(s.interval) for s in states if s.interval}
    widest = max(widths, key=lambda name: widths[name]) if widths else None
    rounds = max((r.repetition for r in records), default=0)
    return replace(
        summary,
        cells=cells,
        ratios=tuple(ratios),
        precision=Precision(
            target_pct=target_pct,
            reached=bool(states) and all(_within(s, target_pct) for s in states),
            stopped_by=stopped_by,
            rounds=rounds,
            half_width_pct=None if widest is None else widths[widest],
            widest=widest,
        ),
    )


def _half_width_pct(interval: Interval) -> float:
    return (interval.high - interval.low) / 2 / interval.estimate * 100


def _within(state: Progress, target_pct: float) -> bool:
    # Stein's width is the pilot's, so reaching N is meeting the target; a run stopped
    # by a bound may still be within it if the pilot was already precise enough.
    interval = state.interval
    return interval is not None and _half_width_pct(interval) <= target_pct + 1e-9
