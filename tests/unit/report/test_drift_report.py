"""Every trial against time: the drift chart and its text twin; and the report's parameters."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from lab.analysis.runs import load_run
from lab.analysis.summary import build_summary
from lab.report.driftchart import drift_chart
from lab.report.driftrows import MARKS, drift_lines
from lab.report.provenance import sections
from lab.results.records import TrialRecord
from lab.text import DASH
from tests.unit.fixtures import failed_trial, trial
from tests.unit.runs import copy_fixture

APPS = ["flask", "aio"]


def slowing_run(rounds: int = 4) -> list[TrialRecord]:
    """Both apps 10% slower each round; round 3's aio trial failed."""
    records = []
    for r in range(1, rounds + 1):
        speed = 0.9 ** (r - 1)
        finished = f"2026-12-07T12:{r:02d}:00+00:00"
        flask = replace(trial(2 * r - 1, app="flask", rps=round(1000 * speed)), repetition=r)
        aio = replace(trial(2 * r, app="aio", rps=round(5000 * speed)), repetition=r)
        if r == 3:
            aio = replace(failed_trial(2 * r, app="aio"), repetition=r)
        records += [replace(flask, finished_at=finished), replace(aio, finished_at=finished)]
    return records


def test_the_text_shows_each_cell_round_by_round_and_the_host() -> None:
    records = slowing_run()
    lines = drift_lines(build_summary(records, APPS, ["hello"]), records)
    assert lines[0].startswith("drift: each cell's req/s round by round, rounds 1 to 4")
    flask = next(line for line in lines if "hello @200 flask" in line)
    aio = next(line for line in lines if "hello @200 aio" in line)
    # Falling marks, highest first; the failed round is a dash.
    flask_marks = flask.split()[3]
    assert [MARKS.index(mark) for mark in flask_marks] == sorted(
        (MARKS.index(mark) for mark in flask_marks), reverse=True
    )
    assert aio.split()[3][2] == DASH
    assert "1,000 → 729" in flask
    host = next(line for line in lines if line.strip().startswith("host"))
    assert "-27% first round to last" in host
    assert lines[-1].strip().startswith("the ratios pair each round's trials")


def test_no_drift_no_text() -> None:
    records = [trial(1)]
    assert drift_lines(build_summary(records, APPS, ["hello"]), records) == []


def test_the_chart_draws_every_trial_and_shades_alternate_rounds() -> None:
    records = slowing_run()
    svg = drift_chart(build_summary(records, APPS, ["hello"]), records)
    assert svg.startswith('<svg role="img" aria-label="Every trial')
    assert "minutes since the first trial" in svg
    assert "alternate rounds" in svg
    assert 'id="drift-' in svg


def test_a_parameter_without_a_value_has_no_unit(tmp_path: Path) -> None:
    run_dir = copy_fixture(tmp_path / "run")
    run = json.loads((run_dir / "run.json").read_text())
    run["parameters"]["max_time_s"] = None
    (run_dir / "run.json").write_text(json.dumps(run, indent=2) + "\n")
    [parameters] = [s for s in sections(load_run(run_dir)) if s.title == "Parameters"]
    assert ("max time", DASH) in parameters.rows
    assert ("duration", "8 s") in parameters.rows
