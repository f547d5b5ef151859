"""Ctrl-C in each phase of a real run, with both cores busy: the lab stops within 5 s,
keeps what finished and leaves nothing; a second Ctrl-C ends it at once."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import lab
from tests.integration.interrupts import PHASES, interrupt_in, start_run
from tests.integration.runs import cpu_burners

pytestmark = pytest.mark.usefixtures("images", "sleepy")
BOUND_S = 5.0


@pytest.mark.parametrize("phase", ["calibration", "ceiling", "readiness", "warmup", "window"])
def test_sigint_stops_the_run_within_5_s_while_both_cores_are_busy(
    docker_client: Any, tmp_path: Path, phase: str
) -> None:
    with cpu_burners():
        stopped = interrupt_in(docker_client, PHASES[phase], tmp_path / "out")
    assert stopped.returncode == 130, stopped.stderr
    assert stopped.latency_s < BOUND_S, f"{phase}: {stopped.latency_s:.1f} s"
    assert "--resume" in stopped.stderr and "Traceback" not in stopped.stderr
    assert stopped.left == []
    assert stopped.run_dir is not None
    run = json.loads((stopped.run_dir / "run.json").read_text())
    assert run["status"] == "interrupted" and run["reason"].startswith("interrupted")


def test_sigint_as_the_run_ends_still_leaves_nothing(docker_client: Any, tmp_path: Path) -> None:
    """Clean-up, summary and report: an interrupt there must not cut the clean-up short."""
    with cpu_burners():
        stopped = interrupt_in(docker_client, PHASES["end"], tmp_path / "out")
    assert stopped.returncode in (0, 130), stopped.stderr
    assert stopped.latency_s < BOUND_S
    assert stopped.left == []


def test_a_second_sigint_exits_at_once_and_says_what_may_be_left(
    docker_client: Any, tmp_path: Path
) -> None:
    window = PHASES["window"]
    process = start_run(window, tmp_path)
    deadline = time.monotonic() + 120
    while not window.reached(docker_client, tmp_path):
        assert process.poll() is None and time.monotonic() < deadline, "never reached the window"
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    time.sleep(0.02)  # the first one is being handled: the clean-up has begun
    process.send_signal(signal.SIGINT)
    sent = time.monotonic()
    _, stderr = process.communicate(timeout=30)
    assert time.monotonic() - sent < 2
    assert process.returncode == 130
    assert "interrupted again: exiting now" in stderr
    assert "`python -m lab clean` removes them" in stderr
    cleaned = lab("clean")
    assert cleaned.returncode == 0, cleaned.stderr
    assert docker_client.containers.list(all=True, filters={"label": "lab.managed=true"}) == []
