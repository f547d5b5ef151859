"""`lab run` through the in-memory engine: the files a run leaves, whatever ends it."""

from __future__ import annotations

import errno
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from lab.engine.port import EngineGone, EngineRefused, EngineRequestFailed, StackError
from lab.engine.runner import RunOutcome, run
from lab.errors import (
    EXIT_ENGINE,
    EXIT_INTERRUPTED,
    EXIT_TRIAL_FAILED,
    EngineUnavailable,
    Interrupted,
    ResultsUnwritable,
    RunAborted,
    UsageError,
)
from lab.model.config import build_config
from lab.model.plan import Blueprint, blueprint
from lab.results.store import RunStore
from tests.unit.engine.fakes import (
    FakeClock,
    FakeEngine,
    Outcome,
    RecordingReporter,
    fake_built,
    wrk_lines,
)
from tests.unit.fixtures import usage_error

GONE = EngineGone(
    "('Connection aborted.', FileNotFoundError(2, 'No such file'))", "ConnectionError"
)


def plan_of(out: Path, **overrides: Any) -> Blueprint:
    """Four trials (flask and aio, hello and hit) at one level, the ceiling first."""
    changes: dict[str, Any] = {"out": str(out), "warmup_s": 0.0, **overrides}
    return blueprint(build_config("quick", changes), host_cpus=2)


def run_with(engine: FakeEngine, plan: Blueprint, root: Path, **kwargs: Any) -> RunOutcome:
    return run(engine, plan, root, RecordingReporter(), clock=FakeClock(), **kwargs)


def read(path: Path) -> Any:
    return json.loads(path.read_text())


def run_dir_of(out: Path) -> Path:
    (run_dir,) = out.iterdir()
    return run_dir


def trial_files(run_dir: Path) -> list[str]:
    return sorted(path.name for path in (run_dir / "trials").glob("*.json"))


def assert_closed(engine: FakeEngine) -> None:
    """The stack was left: close was asked for and nothing of the run is still there."""
    (stack,) = engine.stacks
    assert engine.called("close") == [(stack.run_id,)]
    assert all(container.removed for container in stack.containers)


def test_a_complete_run_writes_every_file(tmp_path: Path) -> None:
    engine = FakeEngine()
    reporter = RecordingReporter()
    plan = plan_of(tmp_path / "out")
    outcome = run(engine, plan, tmp_path, reporter, clock=FakeClock())

    run_dir = run_dir_of(tmp_path / "out")
    assert outcome.run_dir == run_dir and outcome.failed == 0 and outcome.planned == 4
    doc = read(run_dir / "run.json")
    assert doc["status"] == "complete"
    assert doc["trials"] == {"planned": 4, "ok": 4, "failed": 0}
    assert doc["plan"] == [trial.to_dict() for trial in plan.trials]
    assert doc["calibration"]["score"] == 1500.0
    assert doc["ceiling"]["connections"]["64"]["status"] == "ok"
    assert doc["applied"]["wrk"]["cpuset"] == plan.placement.wrk.cpuset
    assert doc["isolation"]["network"] == {"name": f"lab-{doc['run_id']}-net", "internal": True}
    # Only what the run starts containers from: the infrastructure and its apps' images.
    used = {"redis", "wrk", "nginx", "flask", "aio"}
    built = {item.name: item.image_id for item in fake_built() if item.name in used}
    assert {name: data["id"] for name, data in doc["provenance"]["images"].items()} == built
    assert doc["provenance"]["locks"]["aio"] == "lock-of-aio"
    assert doc["provenance"]["engine"]["api_version"] == "1.41"

    assert trial_files(run_dir) == ["0001.json", "0002.json", "0003.json", "0004.json"]
    assert all(read(path)["status"] == "ok" for path in (run_dir / "trials").iterdir())
    assert len(read(run_dir / "ceiling.json")["trials"]) == 1
    summary = read(run_dir / "summary.json")
    assert summary["run_id"] == doc["run_id"]
    assert {(c["app"], c["scenario"]) for c in summary["cells"]} == {
        ("flask", "hello"),
        ("flask", "hit"),
        ("aio", "hello"),
        ("aio", "hit"),
    }

    started = engine.called("start_app")
    assert started[0] == (0, built["nginx"])  # the ceiling first
    assert sorted(started[1:]) == sorted((t.index, built[t.app]) for t in plan.trials)
    assert len(engine.called("run_to_end")) == 3
    assert reporter.started == reporter.finished == [1, 2, 3, 4]
    assert reporter.ended == 1
    assert_closed(engine)


def test_a_run_that_reads_postgres_starts_it_with_redis_and_verifies_against_it(
    tmp_path: Path,
) -> None:
    engine = FakeEngine()
    plan = plan_of(tmp_path / "out", apps=("aio",), scenarios=("db", "fortunes"))
    outcome = run(engine, plan, tmp_path, RecordingReporter(), clock=FakeClock())

    doc = read(run_dir_of(tmp_path / "out") / "run.json")
    assert outcome.failed == 0 and doc["trials"]["ok"] == outcome.planned > 0
    assert doc["applied"]["postgres"]["cpuset"] == plan.placement.redis.cpuset
    assert "postgres" in doc["isolation"]
    assert "postgres" in doc["provenance"]["images"]
    (stack,) = engine.stacks
    assert stack.postgres is not None and stack.tables is not None
    # Its CPU is the run's own, read on Redis's CPUs, and kept beside the other roles'.
    trial = read(run_dir_of(tmp_path / "out") / "trials" / "0001.json")
    assert set(trial["cpu"]) == {"app", "wrk", "redis", "postgres"}
    assert trial["cpu"]["postgres"] is not None
    assert_closed(engine)


def test_a_run_that_reads_no_table_starts_no_postgres(tmp_path: Path) -> None:
    engine = FakeEngine()
    run(engine, plan_of(tmp_path / "out"), tmp_path, RecordingReporter(), clock=FakeClock())
    doc = read(run_dir_of(tmp_path / "out") / "run.json")
    assert "postgres" not in doc["applied"] and "postgres" not in doc["provenance"]["images"]
    trial = read(run_dir_of(tmp_path / "out") / "trials" / "0001.json")
    assert set(trial["cpu"]) == {"app", "wrk", "redis"}
    assert engine.stacks[0].postgres is None


def test_a_failed_trial_is_recorded_and_the_run_goes_on(tmp_path: Path) -> None:
    engine = FakeEngine(outcomes={2: Outcome(dies="exited, exit code 137")})
    outcome = run_with(engine, plan_of(tmp_path / "out", ceiling=False), tmp_path)

    assert outcome.failed == 1  # the command line exits 1 on this
    assert [record.status for record in outcome.records] == ["ok", "failed", "ok", "ok"]
    run_dir = outcome.run_dir
    failed = read(run_dir / "trials" / "0002.json")
    assert "app container exited, exit code 137 during the trial" in failed["reason"]
    assert failed["app_log"]
    doc = read(run_dir / "run.json")
    assert doc["status"] == "complete"
    assert doc["trials"] == {"planned": 4, "ok": 3, "failed": 1}
    assert len(read(run_dir / "summary.json")["cells"]) == 4
    assert_closed(engine)


def test_ctrl_c_keeps_finished_trials_and_says_how_to_resume(tmp_path: Path) -> None:
    engine = FakeEngine(fail_at={("start_app", 3): KeyboardInterrupt()})
    with pytest.raises(Interrupted) as excinfo:
        run_with(engine, plan_of(tmp_path / "out", ceiling=False), tmp_path)

    run_dir = run_dir_of(tmp_path / "out")
    assert excinfo.value.exit_code == EXIT_INTERRUPTED
    assert "interrupted after 2 of 4 trials" in excinfo.value.message
    assert f"--resume {run_dir}" in excinfo.value.hint
    doc = read(run_dir / "run.json")
    assert doc["status"] == "interrupted"
    assert doc["trials"] == {"planned": 4, "ok": 2, "failed": 0}
    assert trial_files(run_dir) == ["0001.json", "0002.json"]
    assert (run_dir / "summary.json").is_file()
    assert_closed(engine)


def test_a_lost_engine_is_exit_3_records_no_trial_for_it_and_says_how_to_resume(
    tmp_path: Path,
) -> None:
    engine = FakeEngine(fail_at={("exec_load", 2): GONE})
    with pytest.raises(EngineUnavailable) as excinfo:
        run_with(engine, plan_of(tmp_path / "out", ceiling=False), tmp_path)

    run_dir = run_dir_of(tmp_path / "out")
    assert excinfo.value.exit_code == EXIT_ENGINE
    message = excinfo.value.message
    assert "stopped answering during the run: ('Connection aborted." in message
    assert "stopped after 1 of 4 trials" in message
    assert "make engine" in excinfo.value.hint
    assert f"--resume {run_dir}" in excinfo.value.hint
    doc = read(run_dir / "run.json")
    assert doc["status"] == "aborted"
    assert doc["reason"].startswith("the Docker engine stopped answering during the run")
    assert trial_files(run_dir) == ["0001.json"]  # trial 2 lost the engine: not a record
    assert (run_dir / "summary.json").is_file()
    assert engine.calls[-1][0] == "close"  # tried, though no engine answers


def test_an_engine_that_does_not_answer_is_exit_3_too(tmp_path: Path) -> None:
    slow = EngineRequestFailed("Read timed out. (read timeout=300)", "ReadTimeout")
    engine = FakeEngine(fail_at={("start_app", 2): slow})
    with pytest.raises(EngineUnavailable, match="did not answer during the run: Read timed out"):
        run_with(engine, plan_of(tmp_path / "out", ceiling=False), tmp_path)
    assert trial_files(run_dir_of(tmp_path / "out")) == ["0001.json"]


def test_a_failure_whose_cause_is_the_runs_ground_aborts_and_records_no_trial(
    tmp_path: Path,
) -> None:
    gone = "the run's load container lab-x-wrk is removed"
    refused = EngineRefused("409 Client Error: container is not running", "APIError")
    engine = FakeEngine(fail_at={("exec_load", 3): refused}, ground=gone)
    with pytest.raises(RunAborted) as excinfo:
        run_with(engine, plan_of(tmp_path / "out", ceiling=False), tmp_path)

    run_dir = run_dir_of(tmp_path / "out")
    assert excinfo.value.exit_code == EXIT_TRIAL_FAILED
    assert excinfo.value.message.startswith(f"run aborted after 2 of 4 trials: {gone}")
    assert "not the app" in excinfo.value.message
    assert f"--resume {run_dir}" in excinfo.value.hint
    assert trial_files(run_dir) == ["0001.json", "0002.json"]
    doc = read(run_dir / "run.json")
    assert doc["status"] == "aborted" and doc["reason"].startswith(gone)
    assert_closed(engine)


def test_an_app_failure_on_whole_ground_is_the_apps_record(tmp_path: Path) -> None:
    refused = EngineRefused("409 Client Error: container is not running", "APIError")
    engine = FakeEngine(fail_at={("exec_load", 3): refused})
    outcome = run_with(engine, plan_of(tmp_path / "out", ceiling=False), tmp_path)
    assert [record.status for record in outcome.records] == ["ok", "ok", "failed", "ok"]
    assert engine.called("ground_fault") == [(None,)]  # asked once, for the failed trial


@pytest.mark.parametrize(
    "failure",
    [
        ("open", 1, StackError("redis did not answer PING within 20 s")),
        ("run_to_end", 1, EngineRefused("404 Client Error: network not found", "NotFound")),
        ("remove", 2, EngineRefused("500 Server Error: device or resource busy", "APIError")),
    ],
    ids=["redis never ready", "network gone", "app not removable"],
)
def test_a_broken_stack_aborts_the_run(tmp_path: Path, failure: tuple[str, int, Exception]) -> None:
    method, nth, error = failure
    engine = FakeEngine(fail_at={(method, nth): error})
    with pytest.raises(RunAborted) as excinfo:
        run_with(engine, plan_of(tmp_path / "out", ceiling=False), tmp_path)

    run_dir = run_dir_of(tmp_path / "out")
    finished = len(trial_files(run_dir))
    assert excinfo.value.exit_code == EXIT_TRIAL_FAILED
    assert f"run aborted after {finished} of 4 trials: {error}" == excinfo.value.message
    assert f"--resume {run_dir}" in excinfo.value.hint
    doc = read(run_dir / "run.json")
    assert doc["status"] == "aborted" and doc["reason"] == str(error)
    assert (run_dir / "summary.json").is_file()
    assert_closed(engine)


@pytest.mark.parametrize(
    ("method", "nth", "phase"),
    [
        ("run_to_end", 2, "calibration"),
        ("start_app", 1, "ceiling"),
        ("probe", 3, "readiness"),
        ("probe", 4, "verification"),
        ("exec_load", 3, "warmup"),
        ("exec_load", 4, "window"),
        ("settled_counter", 2, "drain"),
    ],
)
def test_ctrl_c_in_any_phase_leaves_the_clean_up_to_the_stack(
    tmp_path: Path, method: str, nth: int, phase: str
) -> None:
    """The stack removes everything at once; no phase removes its own containers first."""
    engine = FakeEngine(fail_at={(method, nth): KeyboardInterrupt()})
    plan = plan_of(tmp_path / "out", warmup_s=1.0)
    with pytest.raises(Interrupted):
        run_with(engine, plan, tmp_path)
    run_dir = run_dir_of(tmp_path / "out")
    assert read(run_dir / "run.json")["status"] == "interrupted", phase
    removed = engine.called("remove")
    assert engine.calls[-1][0] == "close" and len(removed) <= 2, removed
    assert_closed(engine)


def test_ctrl_c_while_the_summary_is_computed_still_writes_run_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*_: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr("lab.engine.endings.run_summary", interrupted)
    with pytest.raises(Interrupted, match="interrupted after 4 of 4 trials"):
        run_with(FakeEngine(), plan_of(tmp_path / "out", ceiling=False), tmp_path)
    run_dir = run_dir_of(tmp_path / "out")
    doc = read(run_dir / "run.json")
    assert doc["status"] == "interrupted"
    assert doc["reason"] == "interrupted while the summary was computed"
    assert not (run_dir / "summary.json").exists()  # readers recompute a missing one
    assert len(trial_files(run_dir)) == 4


def disk_full_after(monkeypatch: pytest.MonkeyPatch, files: int) -> None:
    """The results disk takes `files` more files, then says it is full."""
    real = tempfile.mkstemp
    left = [files]

    def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
        if left[0] <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        left[0] -= 1
        return real(*args, **kwargs)

    monkeypatch.setattr("lab.results.store.tempfile.mkstemp", mkstemp)


def test_a_full_results_disk_stops_the_run_and_keeps_the_trials_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk_full_after(monkeypatch, files=4)  # run.json twice, then trials 1 and 2
    engine = FakeEngine()
    with pytest.raises(ResultsUnwritable) as excinfo:
        run_with(engine, plan_of(tmp_path / "out", ceiling=False), tmp_path)

    run_dir = run_dir_of(tmp_path / "out")
    assert excinfo.value.exit_code == EXIT_TRIAL_FAILED
    message = excinfo.value.message
    assert message.startswith("run stopped after 2 of 4 trials: cannot write ")
    assert "0003.json: No space left on device" in message
    assert excinfo.value.hint.startswith("free space on that disk, then ")
    assert f"--resume {run_dir}" in excinfo.value.hint
    assert trial_files(run_dir) == ["0001.json", "0002.json"]
    assert all(read(path)["status"] == "ok" for path in (run_dir / "trials").iterdir())
    assert not list(run_dir.rglob("*.tmp"))
    assert read(run_dir / "run.json")["status"] == "running"  # it could not be told more
    assert_closed(engine)


def test_a_resumed_run_redoes_the_failures_a_lost_engine_recorded(tmp_path: Path) -> None:
    run_dir, plan = interrupted_run(tmp_path)
    misrecorded = read(run_dir / "trials" / "0002.json")
    misrecorded.update(
        status="failed",
        reason="ConnectionError: ('Connection aborted.', ConnectionRefusedError(111))",
        rps=None,
    )
    (run_dir / "trials" / "0002.json").write_text(json.dumps(misrecorded))
    engine = FakeEngine(left_over=(3, 1))  # the engine died before it could remove them
    reporter = RecordingReporter()
    outcome = run(engine, plan, tmp_path, reporter, resume=RunStore(run_dir), clock=FakeClock())

    assert [index for index, _ in engine.called("start_app")] == [2, 3, 4]
    assert "removed 3 containers and 1 network an earlier session of this run left" in (
        reporter.messages
    )
    assert "resume: 3 trials to run, 1 of them recorded as failed when the engine was lost" in (
        reporter.messages
    )
    assert [record.status for record in outcome.records] == ["ok"] * 4
    doc = read(run_dir / "run.json")
    assert doc["status"] == "complete" and "reason" not in doc


def interrupted_run(tmp_path: Path, **overrides: Any) -> tuple[Path, Blueprint]:
    plan = plan_of(tmp_path / "out", **overrides)
    engine = FakeEngine(fail_at={("start_app", 4): KeyboardInterrupt()})
    with pytest.raises(Interrupted):
        run_with(engine, plan, tmp_path)
    return run_dir_of(tmp_path / "out"), plan


def test_resume_runs_only_the_missing_trials(tmp_path: Path) -> None:
    run_dir, plan = interrupted_run(tmp_path)
    kept = (run_dir / "trials" / "0001.json").read_text()
    engine = FakeEngine()
    reporter = RecordingReporter()
    outcome = run(engine, plan, tmp_path, reporter, resume=RunStore(run_dir), clock=FakeClock())

    assert [index for index, _ in engine.called("start_app")] == [3, 4]
    assert engine.called("run_to_end") == []  # calibration and ceiling are in run.json already
    assert reporter.begun == [(run_dir, 2, 4, pytest.approx(plan.estimate_s / 2))]
    assert [record.index for record in outcome.records] == [1, 2, 3, 4]
    assert (run_dir / "trials" / "0001.json").read_text() == kept
    doc = read(run_dir / "run.json")
    assert doc["status"] == "complete" and len(doc["resumed_at"]) == 1
    assert doc["trials"] == {"planned": 4, "ok": 4, "failed": 0}
    assert_closed(engine)


def test_resume_refuses_another_plan(tmp_path: Path) -> None:
    run_dir, _ = interrupted_run(tmp_path)
    engine = FakeEngine()
    with pytest.raises(UsageError) as excinfo:
        run_with(engine, plan_of(tmp_path / "out", seed=2), tmp_path, resume=RunStore(run_dir))
    usage_error(excinfo, f"--resume {run_dir}", "plan")
    assert engine.stacks == []
    assert read(run_dir / "run.json")["status"] == "interrupted"


def test_resume_refuses_changed_images(tmp_path: Path) -> None:
    run_dir, plan = interrupted_run(tmp_path)
    engine = FakeEngine(built=fake_built("2"))
    with pytest.raises(UsageError) as excinfo:
        run_with(engine, plan, tmp_path, resume=RunStore(run_dir))
    usage_error(excinfo, "images changed", "aio, flask, nginx, redis, wrk")
    assert engine.stacks == []


def test_rerun_starts_the_recorded_images_and_names_its_original(tmp_path: Path) -> None:
    original = run_with(FakeEngine(), plan_of(tmp_path / "first"), tmp_path).run_dir
    used = {"redis", "wrk", "nginx", "flask", "aio"}
    recorded = {item.name: item.image_id for item in fake_built() if item.name in used}
    engine = FakeEngine(built=fake_built("2"))  # what a build would give now
    engine.held.update({item.image_id: item for item in fake_built()})
    plan = plan_of(tmp_path / "again")
    outcome = run_with(engine, plan, tmp_path, rerun_of=RunStore(original))

    assert engine.called("build_images") == []
    assert {image for _, image in engine.called("start_app")} == {
        recorded[name] for name in ("flask", "aio", "nginx")
    }
    doc = read(outcome.run_dir / "run.json")
    assert doc["rerun_of"] == {"run_id": original.name, "run_dir": str(original)}
    assert {name: data["id"] for name, data in doc["provenance"]["images"].items()} == recorded
    assert doc["status"] == "complete"


def test_rerun_refuses_images_the_engine_does_not_have(tmp_path: Path) -> None:
    original = run_with(FakeEngine(), plan_of(tmp_path / "first"), tmp_path).run_dir
    engine = FakeEngine(built=fake_built("2"))
    with pytest.raises(UsageError) as excinfo:
        run_with(engine, plan_of(tmp_path / "again"), tmp_path, rerun_of=RunStore(original))
    usage_error(excinfo, str(original), "is not on this engine")
    assert "bundle load" in excinfo.value.hint
    assert engine.stacks == [] and not (tmp_path / "again").exists()


# --- --target-ci ------------------------------------------------------------------------

# aio's req/s per round over flask's steady 1,000: log ratios with spread 0.0500 over the
# three pilot rounds, so Stein's rule for +-10% asks for ceil((4.303 * 0.0500 / 0.0998)^2)
# = 5 rounds; hello and hit alike. Its half-width then: sinh(4.303 * 0.0500 / sqrt 5).
AIO_BY_ROUND = {1: 2000, 2: 2100, 3: 1900}


def noisy(plan: Blueprint, aio: dict[int, int]) -> dict[int, Outcome]:
    trials = (*plan.trials, *plan.extra_trials)
    return {
        t.index: Outcome(wrk=wrk_lines(aio.get(t.repetition, 2000) if t.app == "aio" else 1000))
        for t in trials
    }


def test_target_ci_adds_rounds_until_steins_rule_is_met(tmp_path: Path) -> None:
    plan = plan_of(tmp_path / "out", target_ci_pct="10")
    assert plan.config.repetitions == 3  # the pilot, raised from quick's 1
    engine = FakeEngine(outcomes=noisy(plan, AIO_BY_ROUND))
    reporter = RecordingReporter()
    outcome = run(engine, plan, tmp_path, reporter, clock=FakeClock())

    assert max(record.repetition for record in outcome.records) == 5
    assert [count for count, _ in reporter.extended] == [4, 4]
    assert "asks for 5 rounds" in reporter.extended[0][1]
    summary = read(outcome.run_dir / "summary.json")
    assert summary["precision"] == {
        "target_pct": 10.0,
        "reached": True,
        "stopped_by": "target",
        "rounds": 5,
        "half_width_pct": pytest.approx(9.64, abs=0.01),
        "widest": "hello @64 aio/flask",
    }
    ratio = summary["ratios"][0]
    assert ratio["ci"]["method"] == "Stein two-stage, paired by round"
    assert ratio["ci"]["level"] == 0.95 and ratio["target_reached"] is True
    assert all(cell["target_reached"] for cell in summary["cells"])
    assert read(outcome.run_dir / "run.json")["trials"] == {"planned": 20, "ok": 20, "failed": 0}


def test_target_ci_stops_at_max_repetitions_and_says_so(tmp_path: Path) -> None:
    plan = plan_of(tmp_path / "out", target_ci_pct="10", max_repetitions="4")
    outcome = run_with(FakeEngine(outcomes=noisy(plan, AIO_BY_ROUND)), plan, tmp_path)

    precision = read(outcome.run_dir / "summary.json")["precision"]
    assert (precision["reached"], precision["stopped_by"], precision["rounds"]) == (
        False,
        "max-repetitions",
        4,
    )
    assert precision["half_width_pct"] > 10


def test_target_ci_adds_no_round_past_max_time(tmp_path: Path) -> None:
    # A round of 4 trials of 2 s plus overhead takes about 24 s: none fits in 20 s.
    plan = plan_of(tmp_path / "out", target_ci_pct="10", max_time_s="20s")
    outcome = run_with(FakeEngine(outcomes=noisy(plan, AIO_BY_ROUND)), plan, tmp_path)

    assert len(outcome.records) == 12
    precision = read(outcome.run_dir / "summary.json")["precision"]
    assert (precision["reached"], precision["stopped_by"]) == (False, "max-time")


def test_target_ci_resumes_a_half_done_added_round(tmp_path: Path) -> None:
    plan = plan_of(tmp_path / "out", target_ci_pct="10")
    first_added = plan.extra_trials[0].index
    outcomes = noisy(plan, AIO_BY_ROUND)
    # Ctrl-C as the second trial of the first added round starts (the ceiling's app came
    # first, so that is the start_app call after the trial's index).
    interrupt = {("start_app", first_added + 2): KeyboardInterrupt()}
    engine = FakeEngine(outcomes=outcomes, fail_at=interrupt)
    with pytest.raises(Interrupted):
        run_with(engine, plan, tmp_path)
    run_dir = run_dir_of(tmp_path / "out")
    assert read(run_dir / "summary.json")["precision"]["stopped_by"] == "interrupted"

    engine = FakeEngine(outcomes=outcomes)
    outcome = run_with(engine, plan, tmp_path, resume=RunStore(run_dir))

    started = [index for index, _ in engine.called("start_app")]
    assert started[0] == first_added + 1  # the rest of the half-done round, then round 5
    assert sorted(record.index for record in outcome.records) == list(range(1, 21))
    assert read(run_dir / "summary.json")["precision"]["reached"] is True


def test_target_ci_times_an_added_round_by_its_trials_alone(tmp_path: Path) -> None:
    """Open mode's sweeps and the ceilings come once, however many rounds: counted in a
    round's time, they made it several times its length and --max-time stop early."""
    rounds = {}
    for mode in ("closed", "open"):
        plan = plan_of(tmp_path / mode, target_ci_pct="10", max_time_s="90s", mode=mode)
        outcome = run_with(FakeEngine(outcomes=noisy(plan, AIO_BY_ROUND)), plan, tmp_path)
        rounds[mode] = max(record.repetition for record in outcome.records)
    assert rounds == {"closed": 5, "open": 5}
