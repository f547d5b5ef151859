"""The real command line, run as a user would: output, messages and exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def lab(*args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "DOCKER_HOST": "unix:///nonexistent/docker.sock"}
    return subprocess.run(
        [sys.executable, "-m", "lab", *args], cwd=ROOT, capture_output=True, text=True, env=env
    )


def test_plan_needs_no_engine_and_prints_order_placement_and_estimate() -> None:
    done = lab("plan", "--preset", "quick")
    assert done.returncode == 0, done.stderr
    assert "placement" in done.stdout and "cpuset" in done.stdout
    assert "trials (4)" in done.stdout
    assert "estimated wall time:" in done.stdout


def test_default_plan_fits_in_six_minutes() -> None:
    done = lab("plan")
    line = next(x for x in done.stdout.splitlines() if x.startswith("estimated wall time"))
    minutes = int(line.split(":")[1].split("m")[0])
    assert minutes < 6


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--apps", "flask,tornado"], "tornado"),
        (["--scenarios", "nope"], "nope"),
        (["--duration", "0"], "--duration"),
        (["--cpus", "app=64"], "--cpus"),
        (["--cpus", "app"], "--cpus"),
        (["--connections", "1", "--threads", "4"], "--connections"),
        (["--preset", "fast"], "fast"),
        (["--connections", "10000000"], "--connections: 10000000 is too large"),
        (["--workers", "100000"], "--workers: 100000 is too large"),
        (["--duration", "999999999"], "--duration: 999999999 is too large"),
        (["--timeout", "7200"], "--timeout: 7200 is too large"),
    ],
)
def test_bad_input_is_one_line_naming_the_value_with_exit_2(args: list[str], named: str) -> None:
    done = lab("plan", *args)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("lab: error:") and named in lines[0]
    assert "Traceback" not in done.stderr


def test_unknown_flag_is_a_usage_error() -> None:
    done = lab("plan", "--conections", "5")
    assert done.returncode == 2
    assert "--conections" in done.stderr


def test_run_without_an_engine_exits_3_with_the_fix() -> None:
    done = lab("run", "--preset", "quick")
    assert done.returncode == 3
    assert "no Docker engine answers" in done.stderr
    assert "make engine" in done.stderr
