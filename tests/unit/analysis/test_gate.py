"""The gate's verdicts and its rule for adding rounds, on hand-made trials; the repeated
intervals' constant against Pocock's published values."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from lab.analysis.gate import (
    IMPROVED,
    INCONCLUSIVE,
    NO_CHANGE,
    REGRESSED,
    VERDICTS,
    GateRule,
    classify,
    classify_logs,
)
from lab.analysis.sequential import looks, per_look_level, pocock_constant
from lab.analysis.stopping import MAX_REPETITIONS, MAX_TIME, REACHED
from lab.results.records import TrialRecord
from tests.unit.fixtures import evidence, failed_trial, trial


def test_looks_start_at_the_planned_rounds_and_step_by_two_mirrored_pairs() -> None:
    assert looks(8, 28) == (8, 12, 16, 20, 24, 28)
    assert looks(8, 30) == (8, 12, 16, 20, 24, 28)
    assert looks(8, 8) == (8,)
    with pytest.raises(ValueError, match="2 rounds"):
        looks(1, 10)


@pytest.mark.parametrize(
    ("looks_", "published"),
    [((1,), 1.960), ((1, 2), 2.178), ((1, 2, 3), 2.289), ((1, 2, 3, 4, 5), 2.413)],
)
def test_the_constant_is_pococks_for_equally_spaced_looks(
    looks_: tuple[int, ...], published: float
) -> None:
    # Jennison and Turnbull (2000), table 2.1, two-sided alpha 0.05.
    assert pocock_constant(looks_, 0.05) == pytest.approx(published, abs=0.002)


def test_more_looks_widen_each_one_and_one_look_is_plain_95() -> None:
    levels = [per_look_level(looks(8, last), 0.05) for last in (8, 12, 20, 28)]
    assert levels[0] == pytest.approx(0.95)
    assert levels == sorted(levels)
    assert levels[-1] < 0.99


@pytest.mark.parametrize(
    ("low", "high", "verdict"),
    [
        (0.80, 0.94, REGRESSED),
        (1.06, 1.20, IMPROVED),
        (0.96, 1.04, NO_CHANGE),
        (0.90, 0.99, INCONCLUSIVE),  # straddles the floor: slower, by how much is unknown
        (0.97, 1.08, INCONCLUSIVE),
        (0.80, 1.20, INCONCLUSIVE),
        (0.95, 1.00, INCONCLUSIVE),  # touching the threshold is not beyond it
    ],
)
def test_an_interval_against_the_threshold(low: float, high: float, verdict: str) -> None:
    assert classify(low, high, 5.0) == verdict
    code = classify_logs(
        np.array([(math.log(low) + math.log(high)) / 2]),
        np.array([(math.log(high) - math.log(low)) / 2]),
        5.0,
    )
    assert VERDICTS[int(code[0])] == verdict


def gate_trials(ratios: list[float], base_rps: float = 1000.0) -> list[TrialRecord]:
    """One round per ratio: BASE then HEAD at hello @200, HEAD = ratio x BASE."""
    records = []
    for number, ratio in enumerate(ratios, 1):
        base = replace(trial(2 * number - 1, app="base", rps=int(base_rps)), repetition=number)
        head = replace(
            trial(2 * number, app="head", rps=round(base_rps * ratio)), repetition=number
        )
        records += [base, head]
    return records


RULE = GateRule("base", "head", 5.0, looks(4, 12), max_time_s=None)
STEADY_SLOWER = [0.90, 0.905, 0.895, 0.90, 0.902, 0.898, 0.90, 0.901]


def test_a_steady_ten_percent_slower_head_regresses_at_the_first_look() -> None:
    (verdict,) = RULE.verdicts(gate_trials(STEADY_SLOWER[:4]), rounds=4)
    assert (verdict.scenario, verdict.connections) == ("hello", 200)
    assert verdict.verdict == REGRESSED
    assert verdict.ratio == pytest.approx(0.9, abs=0.005)
    assert verdict.high is not None and verdict.high < 0.95
    assert verdict.look == 4 and verdict.pairs == 4
    assert verdict.level == pytest.approx(per_look_level((4, 8, 12), 0.05))


def test_a_look_sees_only_its_rounds_and_between_looks_nothing_is_decided() -> None:
    records = gate_trials([*STEADY_SLOWER[:4], 1.0, 1.2])  # rounds 5-6 would blur it
    (verdict,) = RULE.verdicts(records, rounds=6)
    assert verdict.look == 4 and verdict.verdict == REGRESSED
    decision = RULE.decide(records, rounds_done=6, elapsed_s=0, round_s=10)
    assert decision.more and decision.rounds_needed == 8


def test_a_noisy_head_is_inconclusive_and_the_rule_asks_for_the_next_look() -> None:
    records = gate_trials([0.85, 1.05, 0.90, 1.02])
    (verdict,) = RULE.verdicts(records, rounds=4)
    assert verdict.verdict == INCONCLUSIVE
    decision = RULE.decide(records, rounds_done=4, elapsed_s=0, round_s=10)
    assert decision.more and decision.stopped_by is None and decision.rounds_needed == 8
    assert "toward the look at 8 rounds" in RULE.round_line(decision, records)


def test_the_rule_stops_when_decided_or_when_a_bound_forbids_the_next_look() -> None:
    decided = gate_trials(STEADY_SLOWER[:4])
    assert RULE.decide(decided, 4, 0, 10).stopped_by == REACHED
    noisy = gate_trials([0.85, 1.05, 0.90, 1.02])
    timed = replace(RULE, max_time_s=100.0)
    # The next look is 4 rounds of 10 s away: 70 s spent leaves too little.
    assert timed.decide(noisy, 4, elapsed_s=70, round_s=10).stopped_by == MAX_TIME
    assert timed.decide(noisy, 4, elapsed_s=50, round_s=10).more
    last = gate_trials([0.85, 1.05, 0.90, 1.02] * 3)
    assert RULE.decide(last, 12, 0, 10).stopped_by == MAX_REPETITIONS


def test_too_few_ok_rounds_leave_the_verdict_inconclusive() -> None:
    records = gate_trials(STEADY_SLOWER[:4])
    records = [failed_trial(r.index, app=r.app) if r.app == "head" else r for r in records]
    records = [replace(r, repetition=(r.index + 1) // 2) for r in records]
    (verdict,) = RULE.verdicts(records, rounds=4)
    assert verdict.verdict == INCONCLUSIVE
    assert verdict.reason == "fewer than 2 rounds with both trials ok"


def stolen(record: TrialRecord) -> TrialRecord:
    """The trial with 30% of the app's CPU taken by the hypervisor."""
    return replace(record, host=evidence([(1, ("app",), {"steal": 0.3})]))


def test_a_verdict_the_disturbed_rounds_decide_is_inconclusive() -> None:
    # Rounds 1-2 alone say "no change"; round 3, disturbed, drags HEAD down.
    records = gate_trials([1.0, 1.0, 0.80, 1.0])
    records = [stolen(r) if r.repetition == 3 and r.app == "head" else r for r in records]
    rule = GateRule("base", "head", 5.0, (4,), max_time_s=None)
    (verdict,) = rule.verdicts(records, rounds=4)
    assert verdict.disturbed_rounds == (3,)
    assert verdict.verdict == INCONCLUSIVE
    assert "the host disturbed round 3; without them the verdict would be no change" in (
        verdict.reason
    )


def test_a_verdict_that_holds_without_the_disturbed_rounds_stands() -> None:
    records = gate_trials(STEADY_SLOWER[:4])
    records = [stolen(r) if r.repetition == 2 and r.app == "base" else r for r in records]
    rule = GateRule("base", "head", 5.0, (4,), max_time_s=None)
    (verdict,) = rule.verdicts(records, rounds=4)
    assert verdict.verdict == REGRESSED
    assert "it holds without the disturbed round 2" in verdict.reason
