"""The typed formats' own rules: what a missing key means, and what a bad one says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab.analysis.runs import load_run
from lab.errors import UsageError
from lab.results.intervaldoc import StatedInterval, stated_interval
from lab.results.jsonfields import ABSENT
from lab.results.rundoc import RunDocument, TrialCounts
from lab.results.summarydoc import Summary
from tests.unit.runs import FIXTURE, copy_fixture

RUN = json.loads((FIXTURE / "run.json").read_text())
SUMMARY = json.loads((FIXTURE / "summary.json").read_text())


def test_a_summary_written_before_the_checks_has_no_findings_and_no_ceiling() -> None:
    summary = Summary.from_dict(SUMMARY)
    assert summary.findings is None and summary.ceiling_rps is ABSENT
    assert all(cell.headline_ok is None for cell in summary.cells)
    assert "ceiling_rps" not in summary.to_dict()


def test_a_null_ceiling_is_written_as_null() -> None:
    summary = Summary.from_dict({**SUMMARY, "ceiling_rps": None})
    assert summary.ceiling_rps is None
    assert summary.to_dict()["ceiling_rps"] is None


def test_a_run_in_progress_keeps_its_null_finished_at() -> None:
    document = RunDocument.from_dict({**RUN, "status": "running", "finished_at": None})
    assert document.finished_at is None
    assert document.to_dict()["finished_at"] is None


def test_a_run_just_started_writes_finished_at_as_null_in_its_place() -> None:
    started = RunDocument.started(
        run_id="r",
        created_at="now",
        parameters={},
        effective={},
        placement={},
        plan=[],
        estimate_s=1.0,
        provenance={},
    )
    assert list(started.to_dict())[:7] == [
        "schema_version",
        "kind",
        "run_id",
        "status",
        "created_at",
        "finished_at",
        "parameters",
    ]
    assert started.to_dict()["finished_at"] is None


def test_keys_this_lab_does_not_know_are_kept_in_place() -> None:
    data = {"schema_version": 1, "kind": "lab.run", "run_id": "r", "note": "by hand"}
    data |= {"status": "complete", "parameters": {}}
    assert list(RunDocument.from_dict(data).to_dict()) == list(data)


def test_finishing_adds_this_sessions_seconds_to_the_earlier_ones() -> None:
    document = RunDocument.from_dict(RUN)
    assert document.elapsed_s == 276.424
    again = document.finished("complete", "now", 10.0004, TrialCounts(20, 20, 0))
    assert again.elapsed_s == 286.424
    assert again.resumed("then").resumed("later").resumed_at == ("then", "later")


def test_a_run_that_stopped_keeps_why_and_a_resumed_one_that_completes_drops_it() -> None:
    document = RunDocument.from_dict(RUN)
    aborted = document.finished(
        "aborted", "now", 1.0, TrialCounts(20, 2, 0), reason="the Docker engine stopped"
    )
    data = json.loads(json.dumps(aborted.to_dict()))
    assert data["status"] == "aborted" and data["reason"] == "the Docker engine stopped"
    assert RunDocument.from_dict(data) == aborted
    completed = RunDocument.from_dict(data).finished(
        "complete", "later", 1.0, TrialCounts(20, 20, 0)
    )
    assert "reason" not in completed.to_dict()


@pytest.mark.parametrize(
    ("name", "change", "problem"),
    [
        ("run.json", {"status": 3}, "run.json: key 'status' has the wrong type: 3"),
        ("run.json", {"trials": {"planned": 1}}, "run.json: missing key 'trials.ok'"),
        ("summary.json", {"notes": [1]}, "summary.json: key 'notes' holds something that is not"),
    ],
)
def test_a_bad_key_is_named_with_its_file(
    tmp_path: Path, name: str, change: dict[str, object], problem: str
) -> None:
    run_dir = copy_fixture(tmp_path / "run")
    path = run_dir / name
    path.write_text(json.dumps({**json.loads(path.read_text()), **change}))
    with pytest.raises(UsageError) as caught:
        load_run(run_dir)
    assert caught.value.message.startswith(f"{run_dir}/{problem}")


def test_an_interval_states_a_level_between_0_and_1() -> None:
    data = {"ci": {"low": 1.0, "high": 2.0, "level": 0.9375, "method": "order statistics"}}
    assert stated_interval(data, "ci") == StatedInterval(1.0, 2.0, 0.9375, "order statistics")
    assert stated_interval({"ci": None}, "ci") is None
    with pytest.raises(ValueError, match=r"'cells\[0\]\.ci\.level' is not between 0 and 1"):
        stated_interval({"ci": {**data["ci"], "level": 95}}, "ci", "cells[0]")
    with pytest.raises(ValueError, match="'ci' is not an interval object"):
        stated_interval({"ci": [1.0, 2.0]}, "ci")
