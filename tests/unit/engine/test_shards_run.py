"""Shards through the in-memory engine: `--shard 1/2` and `--shard 2/2` merged equal one
run's trial set, and the merged summary states how far the shards agree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lab.cli.main import main
from lab.cli.merge import merge_folders
from lab.engine.runner import run
from lab.errors import UsageError
from lab.model.config import build_config
from lab.model.plan import Blueprint, blueprint
from lab.results.reader import read_run_document, read_summary, read_trials
from tests.unit.engine.fakes import (
    FakeClock,
    FakeEngine,
    Outcome,
    RecordingReporter,
    fake_built,
    wrk_lines,
)

SPEED = {"flask": 1000, "aio": 5000}


def plan_of(out: Path, **overrides: Any) -> Blueprint:
    changes: dict[str, Any] = {"out": str(out), "warmup_s": 0.0, "repetitions": 4, **overrides}
    return blueprint(build_config("quick", changes), host_cpus=2)


def outcomes(wobble: float = 0.02) -> dict[int, Outcome]:
    """Each trial's req/s: its app's speed, a little off round by round."""
    return {
        trial.index: Outcome(
            wrk=wrk_lines(int(SPEED[trial.app] * (1 + wobble * ((trial.index * 7) % 5 - 2))))
        )
        for trial in plan_of(Path("unused")).trials
    }


def run_into(out: Path, root: Path, engine: FakeEngine | None = None, **overrides: Any) -> Path:
    plan = plan_of(out, **overrides)
    engine = engine or FakeEngine(outcomes())
    return run(engine, plan, root, RecordingReporter(), clock=FakeClock()).run_dir


def trial_set(run_dir: Path) -> set[tuple[int, str, str, int, int]]:
    return {(r.index, r.app, r.scenario, r.connections, r.repetition) for r in read_trials(run_dir)}


def test_two_shards_merged_equal_one_run_and_state_their_agreement(tmp_path: Path) -> None:
    whole = run_into(tmp_path / "whole", tmp_path)
    first = run_into(tmp_path / "shards", tmp_path, shard="1/2")
    second = run_into(tmp_path / "shards", tmp_path, shard="2/2")
    assert {r.repetition for r in read_trials(first)} == {1, 2}  # a mirrored pair each
    assert {r.repetition for r in read_trials(second)} == {3, 4}

    merged = merge_folders([first, second], tmp_path / "merged")

    assert trial_set(merged) == trial_set(whole)
    records = read_trials(merged)
    assert {r.shard for r in records} == {"1/2", "2/2"}
    assert all(r.node for r in records)
    run_doc = read_run_document(merged)
    assert run_doc.status == "complete"
    assert run_doc.parameters["shard"] is None
    assert run_doc.merge is not None
    assert [s["index"] for s in run_doc.merge["shards"]] == [1, 2]
    assert run_doc.trials is not None and run_doc.trials.planned == 16
    assert [t["index"] for t in run_doc.plan or ()] == list(range(1, 17))
    summary = read_summary(merged)
    assert summary is not None and summary.hosts is not None
    assert [g.rounds for g in summary.hosts.groups] == [(1, 2), (3, 4)]
    for agreement in summary.hosts.ratios:
        assert len(agreement.hosts) == 2
        assert agreement.p_value is not None and agreement.df == (1, 2)
        assert agreement.sd_between_high is not None
    # The shards' images and plan are one plan's: the hash is recorded in both.
    hashes = {read_run_document(d).shard["plan_hash"] for d in (first, second)}  # type: ignore[index]
    assert len(hashes) == 1
    assert main(["show", str(merged)]) == 0
    assert main(["report", str(merged)]) == 0


def test_a_missing_shard_leaves_the_merge_incomplete_naming_its_rounds(tmp_path: Path) -> None:
    first = run_into(tmp_path / "shards", tmp_path, shard="1/2")
    merged = merge_folders([first], tmp_path / "merged")
    run_doc = read_run_document(merged)
    assert run_doc.status == "incomplete"
    assert run_doc.reason == "rounds 3, 4 missing (shard 2/2 not given)"
    summary = read_summary(merged)
    assert summary is not None and summary.hosts is None  # one host: nothing to compare


def test_shards_on_other_images_are_refused_naming_shard_and_image(tmp_path: Path) -> None:
    first = run_into(tmp_path / "a", tmp_path, shard="1/2")
    other = FakeEngine(outcomes(), built=fake_built("2"))
    second = run_into(tmp_path / "b", tmp_path, engine=other, shard="2/2")
    with pytest.raises(UsageError, match=r"shard 2/2 .* in image \w+: sha256:2"):
        merge_folders([first, second], tmp_path / "merged")


def test_shards_of_another_plan_a_shard_twice_are_refused(tmp_path: Path) -> None:
    first = run_into(tmp_path / "a", tmp_path, shard="1/2")
    reseeded = run_into(tmp_path / "b", tmp_path, shard="2/2", seed=7)
    with pytest.raises(UsageError, match=r"shard 2/2 .* in shard\.plan_hash"):
        merge_folders([first, reseeded], tmp_path / "merged")
    again = run_into(tmp_path / "c", tmp_path, shard="1/2")
    with pytest.raises(UsageError, match="shard 1/2 given twice"):
        merge_folders([first, again], tmp_path / "merged")


def test_merge_from_the_command_line_exits_1_when_incomplete(tmp_path: Path) -> None:
    first = run_into(tmp_path / "shards", tmp_path, shard="1/2")
    assert main(["merge", str(first), "--out", str(tmp_path / "m")]) == 1
    (merged,) = (tmp_path / "m").iterdir()
    assert json.loads((merged / "run.json").read_text())["status"] == "incomplete"


def test_a_shard_that_did_not_finish_names_its_unfinished_round(tmp_path: Path) -> None:
    first = run_into(tmp_path / "shards", tmp_path, shard="1/2")
    second = run_into(tmp_path / "shards", tmp_path, shard="2/2")
    (second / "trials" / "0014.json").unlink()  # a trial of round 4
    merged = merge_folders([second, first], tmp_path / "merged")
    run_doc = read_run_document(merged)
    assert run_doc.status == "incomplete" and run_doc.reason == "round 4 unfinished"
    assert run_doc.merge is not None and run_doc.merge["unfinished_rounds"] == [4]
    assert [t["index"] for t in run_doc.plan or ()] == list(range(1, 17))


def test_a_shard_resumes_as_a_run_from_its_recorded_parameters(tmp_path: Path) -> None:
    from lab.engine.provenance import resumable
    from lab.model.config import config_from_dict
    from lab.results.store import RunStore

    first = run_into(tmp_path / "shards", tmp_path, shard="1/2")
    recorded = read_run_document(first)
    again = blueprint(config_from_dict(recorded.parameters), host_cpus=2)
    assert again.shard is not None and again.shard.rounds == (1, 2)
    used = [item for item in fake_built() if item.name in recorded.image_ids]
    assert resumable(RunStore(first), again, used) == recorded
