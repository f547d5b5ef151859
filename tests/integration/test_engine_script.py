"""scripts/ensure-engine.sh after a daemon died badly: each case ends with an engine that
answers. Only where the lab runs its own engine (root, a dockerd on this machine)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import engine_is_ours, start_engine

pytestmark = pytest.mark.skipif(not engine_is_ours(), reason="needs the engine the lab started")
CONTAINERD = ["containerd", "--config", "/var/run/docker/containerd/containerd.toml"]


def dockerd_pids() -> list[int]:
    found = subprocess.run(["pgrep", "-x", "dockerd"], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "gone"


def answers() -> bool:
    return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0


def kill_engine() -> None:
    subprocess.run(["pkill", "-9", "-x", "dockerd"], check=True)
    deadline = time.monotonic() + 10
    while any(state(pid) not in ("Z", "gone") for pid in dockerd_pids()):
        assert time.monotonic() < deadline, "dockerd did not die"
        time.sleep(0.1)


@pytest.fixture(autouse=True)
def engine_answers_after() -> Iterator[None]:
    yield
    start_engine()
    assert answers()


def test_a_dead_daemons_pid_file_and_leftover_containerd_are_cleared() -> None:
    kill_engine()
    # The containerd a dockerd starts dies with it here; one that outlives it (started
    # by hand, or by a daemon killed another way) kept the next dockerd from starting.
    orphan = subprocess.Popen(
        [*CONTAINERD, "--log-level", "info"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    time.sleep(1)
    said = start_engine()
    assert "removing stale pid file" in said
    assert f"stopping the containerd a dead dockerd left (pid {orphan.pid})" in said
    assert orphan.wait(timeout=20) is not None
    assert answers()


def test_a_zombie_daemon_counts_as_dead() -> None:
    kill_engine()
    # The dead daemon's pid files would keep the parent's dockerd from starting (the
    # script clears them; this dockerd is started without it).
    Path("/var/run/docker.pid").unlink(missing_ok=True)
    Path("/var/run/docker/containerd/containerd.pid").unlink(missing_ok=True)
    # A parent that never reaps it: once killed, the daemon stays a zombie (state Z),
    # which pgrep still lists.
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time\n"
            "child = subprocess.Popen(['dockerd'], stdout=subprocess.DEVNULL,"
            " stderr=subprocess.DEVNULL)\n"
            "print(child.pid, flush=True)\n"
            "time.sleep(600)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert parent.stdout is not None
        zombie = int(parent.stdout.readline())
        deadline = time.monotonic() + 60
        while not answers():
            assert time.monotonic() < deadline, "the parent's dockerd never answered"
            time.sleep(0.5)
        subprocess.run(["kill", "-9", str(zombie)], check=True)
        time.sleep(1)
        assert state(zombie) == "Z" and zombie in dockerd_pids()
        said = start_engine()
        assert "starting dockerd" in said
        assert answers()
    finally:
        parent.kill()
        parent.communicate()


def test_a_daemon_that_does_not_answer_is_replaced() -> None:
    (hung,) = [pid for pid in dockerd_pids() if state(pid) != "Z"]
    subprocess.run(["kill", "-STOP", str(hung)], check=True)
    try:
        said = start_engine(LAB_ENGINE_STALL="3")
    finally:
        subprocess.run(["kill", "-CONT", str(hung)], check=False)
    assert f"dockerd (pid {hung}) still does not answer; stopping it" in said
    assert state(hung) in ("Z", "gone")
    assert answers()


def test_the_engine_is_left_answering(docker_client: Any) -> None:
    """The session's client reaches the engine the cases above left."""
    assert docker_client.ping()
