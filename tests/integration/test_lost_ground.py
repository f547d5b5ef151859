"""The lab's own ground moving under a real run: the engine killed, the results disk full
or read-only. The run stops at once with its own exit code and a reason in run.json, no
trial is recorded for what the lab lost, and `--resume` finishes the run afterwards."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import engine_is_ours, lab, start_engine
from tests.integration.runs import (
    assert_nothing_left,
    loading,
    quick_run,
    run_folder,
    trials,
    wait_for,
)

pytestmark = pytest.mark.usefixtures("images")


@pytest.mark.skipif(not engine_is_ours(), reason="needs the engine the lab started itself")
def test_engine_killed_mid_run_is_exit_3_at_once_and_resume_completes_every_trial(
    docker_client: Any, tmp_path: Path
) -> None:
    process = quick_run(tmp_path, "--repetitions", "2", "--duration", "3")
    wait_for(lambda: list(tmp_path.glob("*/trials/0002.json")), 180, "trial 2")
    wait_for(lambda: loading(docker_client), 60, "trial 3's load")
    try:
        subprocess.run(["pkill", "-9", "-x", "dockerd"], check=True)
        killed = time.monotonic()
        _, stderr = process.communicate(timeout=60)
        stopped_s = time.monotonic() - killed
    finally:
        start_engine()
    assert process.returncode == 3, stderr
    assert stopped_s < 10
    assert "the Docker engine stopped answering" in stderr and "Traceback" not in stderr
    run_dir = run_folder(tmp_path)
    assert f"--resume {run_dir}" in stderr
    run = json.loads((run_dir / "run.json").read_text())
    assert run["status"] == "aborted" and "Docker engine" in run["reason"]
    assert [t["status"] for t in trials(tmp_path)] == ["ok", "ok"]  # trial 3: not recorded

    resumed = lab("run", "--resume", str(run_dir), timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert "resume: 6 trials to run" in resumed.stderr
    assert "an earlier session of this run left" in resumed.stderr
    assert [t["status"] for t in trials(tmp_path)] == ["ok"] * 8
    run = json.loads((run_dir / "run.json").read_text())
    assert run["status"] == "complete" and "reason" not in run
    assert_nothing_left(docker_client, tmp_path)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], check=True)
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk: Path) -> Path:
    """Write zeros to `disk` until it is full; the file that holds them."""
    filler = disk / "filler"
    with filler.open("wb") as handle, contextlib.suppress(OSError):
        while True:
            handle.write(b"\0" * 65536)
            handle.flush()
    return filler


@pytest.mark.parametrize("how", ["full", "read-only"])
def test_a_results_disk_that_takes_no_more_stops_the_run_and_keeps_its_trials(
    docker_client: Any, small_disk: Path, how: str
) -> None:
    out = small_disk / "results"
    process = quick_run(out, "--apps", "aio", "--repetitions", "2", "--duration", "1")
    first = wait_for(lambda: list(out.glob("*/trials/0001.json")), 180, "trial 1")[0]
    kept = first.read_text()
    if how == "full":
        filler = fill(small_disk)
    else:
        subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    _, stderr = process.communicate(timeout=180)

    assert process.returncode == 1, stderr
    problem = "No space left on device" if how == "full" else "Read-only file system"
    assert f"run stopped after 1 of 4 trials: cannot write {out}" in stderr
    assert problem in stderr and "--resume" in stderr and "Traceback" not in stderr
    assert first.read_text() == kept and json.loads(kept)["status"] == "ok"
    assert not list(out.rglob("*.tmp"))
    assert_nothing_left(docker_client, out)

    if how == "full":
        filler.unlink()
    else:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    resumed = lab("run", "--resume", str(run_folder(out)), timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert [t["status"] for t in trials(out)] == ["ok"] * 4
