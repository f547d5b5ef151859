"""Faults during a real run: nothing lost, nothing leaked, a clear reason and exit code."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import lab
from tests.integration.runs import (
    assert_nothing_left,
    loading,
    quick_run,
    run_folder,
    running,
    trials,
    wait_for,
)

# The images are built once per session before any run starts.
pytestmark = pytest.mark.usefixtures("images")


def test_app_killed_mid_trial_fails_that_trial_and_the_run_goes_on(
    docker_client: Any, tmp_path: Path
) -> None:
    process = quick_run(
        tmp_path,
        "--apps",
        "aio",
        "--scenarios",
        "hello",
        "--repetitions",
        "2",
        "--duration",
        "6",
    )
    (victim,) = wait_for(lambda: running(docker_client, "app"), what="the first app container")
    # Killed once wrk runs (it loads for 6 s): a fixed sleep lands in verification when
    # the host is slow, and that is a different failure.
    wait_for(lambda: loading(docker_client), what="wrk running in the load container")
    victim.kill()
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 1, stderr
    first, second = trials(tmp_path)
    assert first["status"] == "failed" and "app container" in first["reason"]
    assert first["app_log"], "a failed trial keeps the app's log"
    assert second["status"] == "ok"
    assert "1 of 2 trials failed" in stderr
    assert_nothing_left(docker_client, tmp_path)


def test_redis_killed_mid_run_aborts_records_no_trial_for_it_and_resume_finishes(
    docker_client: Any, tmp_path: Path
) -> None:
    """Redis is the lab's, not the app's: a /hit trial without it is no trial of the app."""
    process = quick_run(
        tmp_path,
        "--apps",
        "aio",
        "--scenarios",
        "hit",
        "--repetitions",
        "3",
        "--duration",
        "1",
    )
    wait_for(
        lambda: tmp_path.exists() and list(tmp_path.glob("*/trials/0001.json")), what="trial 1"
    )
    (redis,) = running(docker_client, "redis")
    redis.kill()
    _, stderr = process.communicate(timeout=180)
    assert process.returncode == 1, stderr
    assert "run aborted after" in stderr and "redis" in stderr and "Traceback" not in stderr
    assert all(trial["status"] == "ok" for trial in trials(tmp_path))
    run_dir = run_folder(tmp_path)
    run = json.loads((run_dir / "run.json").read_text())
    assert run["status"] == "aborted" and "redis" in run["reason"]
    assert_nothing_left(docker_client, tmp_path)

    resumed = lab("run", "--resume", str(run_dir), timeout=180)
    assert resumed.returncode == 0, resumed.stderr
    assert [t["status"] for t in trials(tmp_path)] == ["ok"] * 3


def test_an_app_that_never_answers_fails_after_a_bounded_wait_with_its_log(
    docker_client: Any, tmp_path: Path, sleepy: Path
) -> None:
    started = time.monotonic()
    process = quick_run(
        tmp_path, "--apps", str(sleepy), "--scenarios", "hello", "--ready-timeout", "4"
    )
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 1, stderr
    assert time.monotonic() - started < 60
    (trial,) = trials(tmp_path)
    assert trial["status"] == "failed"
    assert "did not answer within 4 s" in trial["reason"]
    assert "waiting for a database that never comes" in trial["app_log"]
    assert_nothing_left(docker_client, tmp_path)


def test_sigint_stops_within_seconds_keeps_trials_and_resume_finishes(
    docker_client: Any, tmp_path: Path
) -> None:
    process = quick_run(tmp_path, "--duration", "3")
    first = wait_for(
        lambda: tmp_path.exists() and list(tmp_path.glob("*/trials/0001.json")), what="trial 1"
    )[0]
    kept = first.read_text()
    time.sleep(1.5)  # inside trial 2
    process.send_signal(signal.SIGINT)
    sent = time.monotonic()
    _, stderr = process.communicate(timeout=30)
    assert time.monotonic() - sent < 10
    assert process.returncode == 130, stderr
    assert "--resume" in stderr
    assert_nothing_left(docker_client, tmp_path)
    run_dir = run_folder(tmp_path)
    assert json.loads((run_dir / "run.json").read_text())["status"] == "interrupted"
    done_before = len(trials(tmp_path))
    assert 1 <= done_before < 4

    resumed = lab("run", "--resume", str(run_dir), timeout=180)
    assert resumed.returncode == 0, resumed.stderr
    assert f"({done_before} already done)" in resumed.stderr
    assert [t["index"] for t in trials(tmp_path)] == [1, 2, 3, 4]
    assert first.read_text() == kept
    run = json.loads((run_dir / "run.json").read_text())
    assert run["status"] == "complete" and len(run["resumed_at"]) == 1
    assert_nothing_left(docker_client, tmp_path)


def test_the_load_container_killed_mid_trial_aborts_and_that_trial_is_not_recorded(
    docker_client: Any, tmp_path: Path
) -> None:
    """wrk's container is the lab's: losing it is no failure of the app under test."""
    process = quick_run(
        tmp_path,
        "--apps",
        "flask",
        "--scenarios",
        "hello",
        "--repetitions",
        "3",
        "--duration",
        "6",
    )
    wait_for(lambda: list(tmp_path.glob("*/trials/0001.json")), 180, "trial 1")
    wait_for(lambda: loading(docker_client), 60, "trial 2's load")
    (load,) = running(docker_client, "wrk")
    load.kill()
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 1, stderr
    assert "run aborted after 1 of 3 trials: the run's load container" in stderr
    assert "not the app" in stderr and "Traceback" not in stderr
    assert [t["status"] for t in trials(tmp_path)] == ["ok"]
    assert_nothing_left(docker_client, tmp_path)
