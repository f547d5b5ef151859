"""--target-ci's rule, on hand-made trials: which intervals it watches, what Stein's
procedure asks for, when a run stops, and what the summary then says."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from lab.analysis.precision import (
    NO_PILOT,
    STEIN,
    STEIN_CELL,
    decide,
    half_width_log,
    headline_pairs,
    headlines,
    progress,
    rounds_needed,
    with_precision,
)
from lab.analysis.stopping import MAX_REPETITIONS, MAX_TIME, REACHED
from lab.analysis.summary import build_summary
from lab.model.cell import Cell
from lab.report.rows import precision_line
from lab.results.records import TrialRecord
from lab.results.summarydoc import Precision, Summary
from tests.unit.fixtures import failed_trial, trial

FLASK = Cell("flask", "hello", 200)
AIO = Cell("aio", "hello", 200)


def rounds(aio: list[int], flask: list[int] | None = None) -> list[TrialRecord]:
    """Round r holds a flask and an aio trial; flask at 1,000 req/s unless given."""
    flask = flask or [1000] * len(aio)
    records = []
    for r, (a, f) in enumerate(zip(aio, flask, strict=True), start=1):
        records.append(replace(trial(2 * r - 1, app="flask", rps=f), repetition=r))
        records.append(replace(trial(2 * r, app="aio", rps=a), repetition=r))
    return records


def summary_of(records: list[TrialRecord], apps: tuple[str, ...] = ("flask", "aio")) -> Summary:
    return build_summary(records, apps, ["hello"])


def test_the_headlines_are_the_ratios_or_a_lone_apps_cells() -> None:
    records = rounds([2000, 2100, 1900])
    [ratio] = headlines(summary_of(records), "flask")
    assert (ratio.name, ratio.numerator, ratio.denominator) == ("hello @200 aio/flask", AIO, FLASK)
    alone = [r for r in records if r.app == "flask"]
    [cell] = headlines(summary_of(alone, ("flask",)), "flask")
    assert (cell.name, cell.denominator) == ("hello @200 flask", None)


def test_a_round_with_a_failed_trial_gives_no_pair() -> None:
    records = rounds([2000, 2100, 1900])
    records[3] = replace(failed_trial(4, app="aio"), repetition=2)
    [ratio] = headlines(summary_of(records), "flask")
    pairs = headline_pairs(records, ratio)
    assert [pair.round for pair in pairs] == [1, 3]
    assert [pair.log_ratio for pair in pairs] == pytest.approx([math.log(2.0), math.log(1.9)])


def test_steins_n_for_a_known_spread() -> None:
    # s0 = 0.05 from 3 pilot rounds, t(0.975, 2) = 4.303, h = asinh(0.10) = 0.0998.
    assert half_width_log(10.0) == pytest.approx(0.09983, abs=1e-5)
    assert int(rounds_needed(np.array(0.05), 3, 10.0)) == 5
    assert int(rounds_needed(np.array(0.0), 3, 10.0)) == 3  # never fewer than the pilot
    assert int(rounds_needed(np.array(0.05), 5, 10.0)) == 2 + 3  # t(0.975, 4) = 2.776


def test_progress_keeps_the_pilots_width_whatever_the_later_rounds_do() -> None:
    pilot = rounds([2000, 2100, 1900])
    [ratio] = headlines(summary_of(pilot), "flask")
    before = progress(pilot, ratio, 3, 10.0)
    assert (before.pilot, before.needed, before.pairs, before.reached) == (3, 5, 3, False)
    # Two more rounds that agree exactly: the width shrinks by sqrt(3/5) only, as Stein's
    # rule fixed it, not to the near-zero spread of the new rounds.
    later = rounds([2000, 2100, 1900, 2000, 2000])
    after = progress(later, ratio, 3, 10.0)
    assert after.reached and after.interval is not None and before.interval is not None
    assert after.interval.method == STEIN and after.interval.level == 0.95
    width = math.log(after.interval.high / after.interval.low)
    assert width == pytest.approx(
        math.log(before.interval.high / before.interval.low) * math.sqrt(3 / 5)
    )


def test_a_lone_app_is_held_to_its_own_geometric_mean() -> None:
    records = [r for r in rounds([2000, 2100, 1900]) if r.app == "aio"]
    [cell] = headlines(summary_of(records, ("aio",)), "aio")
    state = progress(records, cell, 3, 10.0)
    assert state.interval is not None and state.interval.method == STEIN_CELL
    assert state.interval.estimate == pytest.approx((2000 * 2100 * 1900) ** (1 / 3))


def test_decide_stops_at_the_target_or_the_first_bound() -> None:
    [ratio] = headlines(summary_of(rounds([2000, 2100, 1900])), "flask")
    short = progress(rounds([2000, 2100, 1900]), ratio, 3, 10.0)
    met = progress(rounds([2000, 2100, 1900, 2000, 2000]), ratio, 3, 10.0)
    assert decide([met], 5, 30, 100.0, 50.0, None).stopped_by == REACHED
    more = decide([short], 3, 30, 100.0, 50.0, None)
    assert (more.more, more.rounds_needed) == (True, 5)
    assert decide([short], 4, 4, 100.0, 50.0, None).stopped_by == MAX_REPETITIONS
    # The next round would end at 150 s, past a 120 s limit.
    assert decide([short], 3, 30, 100.0, 50.0, 120.0).stopped_by == MAX_TIME
    assert decide([short], 3, 30, 100.0, 50.0, 150.0).more
    # A ratio whose pilot rounds all failed cannot be planned for, and is not "reached".
    planless = replace(met, needed=None, interval=None)
    assert decide([met, planless], 5, 30, 100.0, 50.0, None).stopped_by == NO_PILOT


def test_the_summary_says_what_was_reached() -> None:
    records = rounds([2000, 2100, 1900, 2000])
    summary = with_precision(summary_of(records), records, "flask", 10.0, 3, MAX_REPETITIONS)
    assert summary.precision is not None
    assert (summary.precision.reached, summary.precision.rounds) == (False, 4)
    assert summary.precision.widest == "hello @200 aio/flask"
    [ratio] = summary.ratios
    assert ratio.target_reached is False and ratio.ci is not None
    assert ratio.ci.method == STEIN
    assert [cell.target_reached for cell in summary.cells] == [False, False]
    assert Summary.from_dict(summary.to_dict()) == summary


def test_the_precision_line_names_the_bound() -> None:
    stopped = Precision(10.0, False, "max-time", 7, 13.24, "hit @200 aio/flask")
    assert precision_line(stopped) == (
        "precision: target ±10% not reached, stopped by --max-time after 7 rounds;"
        " widest: hit @200 aio/flask ±13.2%"
    )
    reached = replace(stopped, reached=True, stopped_by="target", half_width_pct=7.4)
    assert precision_line(reached) == (
        "precision: every 95% CI within ±10%, after 7 rounds; widest: hit @200 aio/flask ±7.4%"
    )
