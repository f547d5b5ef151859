"""HEAD against BASE in one run: a verdict per level that a CI job can act on.

Two separate runs cannot tell a regression from the host: these hosts move by 30-40%
within minutes. A gate runs both versions in one run, blocked by round (each round pairs
them seconds apart, lab.analysis.blocked), and reads each level's ratio HEAD/BASE of
req/s against a practical threshold t (5% by default):

- `regressed`: the whole interval lies below 1 - t, HEAD is slower by more than t;
- `improved`: the whole interval lies above 1 + t;
- `no change`: the whole interval lies inside (1 - t, 1 + t): an equivalence test, not
  an absence of evidence;
- `inconclusive`: the interval straddles 1 - t or 1 + t, or the rounds the host
  disturbed (lab.analysis.disturbance) decide the verdict: without them it would differ.

While a level is inconclusive the run adds rounds (`GateRule`, a lab.analysis.stopping
rule), and looks again only at the rounds fixed in advance (lab.analysis.sequential's
schedule), each look's interval a repeated confidence interval: together they cover the
true ratio with 95%, so a decisive verdict is wrong at most 5% of the time however many
looks the run took. lab.analysis.gatesim measures the error rates under these hosts'
drift. Pure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from lab.analysis.blocked import RoundPair, observations, round_pairs
from lab.analysis.disturbance import disturbances
from lab.analysis.sequential import looks, per_look_level, repeated_half_width
from lab.analysis.stopping import MAX_REPETITIONS, MAX_TIME, REACHED, Decision, bounded
from lab.model.cell import Cell
from lab.model.config import RunConfig
from lab.results.driftdoc import HostDrift
from lab.results.gatedoc import GateDoc, LevelVerdictDoc
from lab.results.intervaldoc import StatedInterval
from lab.results.records import TrialRecord
from lab.results.summarydoc import Summary

REGRESSED = "regressed"
IMPROVED = "improved"
NO_CHANGE = "no change"
INCONCLUSIVE = "inconclusive"
VERDICTS = (REGRESSED, IMPROVED, NO_CHANGE, INCONCLUSIVE)
# The gate's one word: no level regressed and every level decided.
PASS = "pass"
# Together, every look's interval covers the truth with 1 - GATE_ALPHA.
GATE_ALPHA = 0.05
# `lab gate`'s bound on the rounds: its looks at 8, 12, ..., 40, the last a 9th look.
# Simulated (lab.analysis.gatesim), 40 rounds catch a 10% regression of hello 98% of the
# time at 5% trial noise where 28 caught 94%; about 10 minutes of hello alone.
GATE_MAX_ROUNDS = 40
METHOD = "repeated confidence interval (Pocock), paired by round"


def classify(low: float, high: float, threshold_pct: float) -> str:
    """The verdict an interval of HEAD/BASE gives against a threshold in percent."""
    floor, ceiling = 1 - threshold_pct / 100, 1 + threshold_pct / 100
    if high < floor:
        return REGRESSED
    if low > ceiling:
        return IMPROVED
    if floor < low and high < ceiling:
        return NO_CHANGE
    return INCONCLUSIVE


def classify_logs(centre: np.ndarray, half: np.ndarray, threshold_pct: float) -> np.ndarray:
    """`classify` over arrays of log centres and half-widths (the simulation's form):
    0 regressed, 1 improved, 2 no change, 3 inconclusive (VERDICTS' order)."""
    floor, ceiling = math.log1p(-threshold_pct / 100), math.log1p(threshold_pct / 100)
    low, high = centre - half, centre + half
    return np.select(
        [high < floor, low > ceiling, (low > floor) & (high < ceiling)], [0, 1, 2], default=3
    )


@dataclass(frozen=True, slots=True)
class GateRule:
    """--gate: add rounds until every level's verdict is decided, looking only at the
    schedule's rounds; a lab.analysis.stopping rule."""

    base: str
    head: str
    threshold_pct: float
    schedule: tuple[int, ...]
    max_time_s: float | None

    @classmethod
    def of(cls, config: RunConfig) -> GateRule:
        """A gated run's rule: BASE and HEAD its two apps, its first look its planned
        rounds (the plan's, raised to GATE_MIN), its last within --max-repetitions."""
        assert config.gate_pct is not None and config.max_repetitions is not None
        base, head = config.apps
        schedule = looks(config.repetitions, config.max_repetitions)
        return cls(base, head, config.gate_pct, schedule, config.max_time_s)

    @property
    def level_confidence(self) -> float:
        return per_look_level(self.schedule, GATE_ALPHA)

    def last_look(self, rounds: int) -> int | None:
        seen = [look for look in self.schedule if look <= rounds]
        return seen[-1] if seen else None

    def verdicts(self, records: Sequence[TrialRecord], rounds: int) -> list[LevelVerdictDoc]:
        """Each level's verdict at the last look the run's `rounds` reached."""
        look = self.last_look(rounds)
        levels = sorted({r.cell.level for r in records if r.cell.app == self.head})
        return [self._judge(records, level, look) for level in levels]

    def decide(
        self, records: Sequence[TrialRecord], rounds_done: int, elapsed_s: float, round_s: float
    ) -> Decision:
        later = [look for look in self.schedule if look > rounds_done]
        if rounds_done in self.schedule:
            verdicts = self.verdicts(records, rounds_done)
            if all(v.verdict != INCONCLUSIVE for v in verdicts):
                return Decision(False, REACHED, rounds_done)
        if not later:
            return Decision(False, MAX_REPETITIONS, rounds_done)
        bound = bounded(
            rounds_done, later[0], self.schedule[-1], elapsed_s, round_s, self.max_time_s
        )
        return Decision(bound is None, bound, later[0])

    def round_line(self, decision: Decision, records: Sequence[TrialRecord]) -> str:
        done = max((r.repetition for r in records), default=0)
        undecided = [
            v for v in self.verdicts(records, done) if v.verdict == INCONCLUSIVE and v.ratio
        ]
        shown = "; ".join(
            f"{v.scenario} @{v.connections} {v.ratio:.3f}x ({v.low:.3f}-{v.high:.3f})"
            for v in undecided
        )
        return (
            f"gate: adding a round toward the look at {decision.rounds_needed} rounds"
            f" (inconclusive against ±{self.threshold_pct:g}%: {shown or 'not looked at yet'})"
        )

    def _judge(
        self, records: Sequence[TrialRecord], level: tuple[str, int], look: int | None
    ) -> LevelVerdictDoc:
        scenario, connections = level
        head, base = Cell(self.head, *level), Cell(self.base, *level)
        confidence = self.level_confidence
        if look is None:
            return _undecided(level, confidence, 0, 0, "the first look has not been reached")
        pairs = [p for p in round_pairs(observations(records), head, base) if p.round <= look]
        if len(pairs) < 2:
            return _undecided(
                level, confidence, len(pairs), look, "fewer than 2 rounds with both trials ok"
            )
        disturbed = _disturbed_rounds(records, (head, base), look)
        ratio, low, high = _interval(pairs, confidence)
        verdict = classify(low, high, self.threshold_pct)
        reason = f"the interval against ±{self.threshold_pct:g}%"
        clean = [p for p in pairs if p.round not in disturbed]
        if disturbed and len(clean) >= 2:
            without = classify(*_interval(clean, confidence)[1:], self.threshold_pct)
            if without != verdict:
                reason = (
                    f"the host disturbed {_rounds_text(disturbed)}; without them the verdict"
                    f" would be {without}"
                )
                verdict = INCONCLUSIVE
            else:
                reason += f"; it holds without the disturbed {_rounds_text(disturbed)}"
        elif disturbed:
            reason = f"the host disturbed {_rounds_text(disturbed)}, leaving too few"
            verdict = INCONCLUSIVE
        return LevelVerdictDoc(
            scenario,
            connections,
            verdict,
            ratio,
            low,
            high,
            confidence,
            len(pairs),
            look,
            tuple(sorted(disturbed)),
            reason,
        )


def _interval(pairs: Sequence[RoundPair], confidence: float) -> tuple[float, float, float]:
    values = np.array([pair.log_ratio for pair in pairs])
    centre = float(values.mean())
    spread = np.array(values.std(ddof=1))
    half = float(repeated_half_width(spread, np.array(len(values)), confidence))
    return math.exp(centre), math.exp(centre - half), math.exp(centre + half)


def _disturbed_rounds(
    records: Sequence[TrialRecord], cells: tuple[Cell, Cell], look: int
) -> set[int]:
    found = disturbances(records)
    return {
        record.repetition
        for record in records
        if record.cell in cells and record.repetition <= look and record.index in found
    }


def _rounds_text(rounds: set[int]) -> str:
    listed = ", ".join(str(n) for n in sorted(rounds))
    return f"round {listed}" if len(rounds) == 1 else f"rounds {listed}"


def _undecided(
    level: tuple[str, int], confidence: float, pairs: int, look: int, reason: str
) -> LevelVerdictDoc:
    return LevelVerdictDoc(
        level[0], level[1], INCONCLUSIVE, None, None, None, confidence, pairs, look, (), reason
    )


def outcome_of(verdicts: Sequence[LevelVerdictDoc]) -> str:
    """`regressed` if any level regressed, else `inconclusive` if any is undecided (or
    there is no level at all), else `pass`."""
    words = {verdict.verdict for verdict in verdicts}
    if REGRESSED in words:
        return REGRESSED
    if INCONCLUSIVE in words or not words:
        return INCONCLUSIVE
    return PASS


def gate_report(
    run_id: str,
    records: Sequence[TrialRecord],
    rule: GateRule,
    drift: HostDrift | None,
    reproduce: str,
) -> GateDoc:
    """The gate's document after its run: each level's verdict at the last look reached.

    Why the run stopped follows from the rule: it stops only when every level is decided,
    at its last look, or when the time bound forbade the next look.
    """
    rounds = max((record.repetition for record in records), default=0)
    verdicts = rule.verdicts(records, rounds)
    outcome = outcome_of(verdicts)
    look = rule.last_look(rounds) or 0
    if all(v.verdict != INCONCLUSIVE for v in verdicts) and verdicts:
        stopped_by = REACHED
    elif look >= rule.schedule[-1]:
        stopped_by = MAX_REPETITIONS
    else:
        stopped_by = MAX_TIME
    return GateDoc(
        run_id=run_id,
        base=rule.base,
        head=rule.head,
        threshold_pct=rule.threshold_pct,
        alpha=GATE_ALPHA,
        method=METHOD,
        looks=rule.schedule,
        rounds=look,
        stopped_by=stopped_by,
        outcome=outcome,
        verdicts=tuple(verdicts),
        host_moved=None if drift is None else drift.spread,
        reproduce=reproduce,
    )


def with_gate(summary: Summary, records: Sequence[TrialRecord], rule: GateRule) -> Summary:
    """The summary with HEAD/BASE stated as the gate's interval at its last look.

    A gate chose its rounds from what it saw, so the plain paired interval over them no
    longer has its 95%; the repeated interval does, whatever the stopping (all looks
    together cover 95%, so any one of them at least that).
    """
    rounds = max((record.repetition for record in records), default=0)
    by_level = {(v.scenario, v.connections): v for v in rule.verdicts(records, rounds)}
    ratios = []
    for entry in summary.ratios:
        verdict = by_level.get(entry.level)
        judged = (entry.numerator, entry.denominator) == (rule.head, rule.base)
        if not judged or verdict is None or verdict.low is None or verdict.high is None:
            ratios.append(entry)
            continue
        ci = StatedInterval(verdict.low, verdict.high, 1 - GATE_ALPHA, METHOD)
        ratios.append(replace(entry, ratio=verdict.ratio, ci=ci, pairs=verdict.pairs))
    return replace(summary, ratios=tuple(ratios))
