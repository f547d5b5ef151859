"""The bisection's search, on steps written by hand: which release each gate tries, when
it ends, and that a search resumes from its steps alone."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lab.errors import UsageError
from lab.model.bisect import (
    FAILED,
    FOUND,
    INCONCLUSIVE,
    NOT_REGRESSED,
    PASS,
    REGRESSED,
    UNDECIDED,
    Step,
    max_gates,
    releases_between,
    search,
)

SEVEN = ("1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6")


def step(version: str, outcome: str) -> Step:
    return Step(version, outcome, None, "")


def test_releases_between_sorts_by_version_and_leaves_out_pre_releases() -> None:
    index = ["3.10.0", "3.9.5", "3.10.0rc1", "3.9.10", "3.11.0", "3.8.0", "not-a-version"]
    assert releases_between(index, "3.9.5", "3.11.0") == ("3.9.5", "3.9.10", "3.10.0", "3.11.0")
    assert "3.10.0rc1" in releases_between([*index, "3.11.0b1"], "3.9.5", "3.11.0b1")


@pytest.mark.parametrize(
    ("good", "bad", "said"),
    [
        ("1.4", "1.2", "--good 1.4 is not older than --bad 1.2"),
        ("1.0", "9.9", "--bad 9.9: no such release"),
        ("0.9", "1.6", "--good 0.9: no such release"),
        ("one", "1.6", "--good 'one': not a version"),
    ],
)
def test_a_search_that_cannot_start_says_why(good: str, bad: str, said: str) -> None:
    with pytest.raises(UsageError, match=said):
        releases_between(SEVEN, good, bad)


def test_bad_is_gated_first_and_then_the_middle_of_what_is_in_question() -> None:
    assert search(SEVEN, []).next_index() == 6
    confirmed = search(SEVEN, [step("1.6", REGRESSED)])
    assert SEVEN[confirmed.next_index() or 0] == "1.3"


def test_the_culprit_14_is_found_within_ceil_log2_7_plus_1_gates() -> None:
    steps = [step("1.6", REGRESSED), step("1.3", PASS), step("1.4", REGRESSED)]
    state = search(SEVEN, steps)
    assert state.ended == FOUND
    assert (SEVEN[state.low], SEVEN[state.high]) == ("1.3", "1.4")
    assert len(steps) <= max_gates(len(SEVEN)) == math.ceil(math.log2(7)) + 1
    steps = [step("1.6", REGRESSED), step("1.3", REGRESSED), step("1.1", PASS)]
    steps.append(step("1.2", REGRESSED))  # the longest way: 1.2 is the culprit
    assert search(SEVEN, steps).ended == FOUND and len(steps) == max_gates(len(SEVEN))


def test_a_bad_that_does_not_regress_ends_the_search_at_once() -> None:
    state = search(SEVEN, [step("1.6", PASS)])
    assert state.ended == NOT_REGRESSED and state.next_index() is None


@pytest.mark.parametrize("outcome", [INCONCLUSIVE, FAILED])
def test_an_undecided_step_ends_the_search_between_what_is_known(outcome: str) -> None:
    state = search(SEVEN, [step("1.6", REGRESSED), step("1.3", PASS), step("1.4", outcome)])
    assert state.ended == UNDECIDED and state.next_index() is None
    assert (SEVEN[state.low], SEVEN[state.high]) == ("1.3", "1.6")


def test_steps_the_search_did_not_ask_for_are_refused() -> None:
    with pytest.raises(UsageError, match=r"step 1\.2 is not the one the search asks for"):
        search(SEVEN, [step("1.2", REGRESSED)])


@given(releases=st.integers(2, 200), culprit=st.data())
def test_any_culprit_is_found_within_the_bound(releases: int, culprit: st.DataObject) -> None:
    versions = tuple(f"1.{n}" for n in range(releases))
    first_bad = culprit.draw(st.integers(1, releases - 1))
    steps: list[Step] = []
    state = search(versions, steps)
    while (index := state.next_index()) is not None:
        steps.append(step(versions[index], REGRESSED if index >= first_bad else PASS))
        state = search(versions, steps)
    assert state.ended == FOUND and state.high == first_bad
    assert len(steps) <= max_gates(releases)


def test_a_step_reads_back_as_written_and_a_strange_outcome_is_refused() -> None:
    written = Step("1.4", REGRESSED, "/r/1", "hello @200 regressed 0.5x")
    assert Step.from_dict(written.to_dict()) == written
    with pytest.raises(UsageError, match="outcome 'maybe'"):
        Step.from_dict({"version": "1.4", "outcome": "maybe"})
