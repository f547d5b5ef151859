"""Ctrl-C in each phase of a real run: how long the lab takes to stop, idle and busy.

    python -m tests.integration.interrupts [--repeat N] [--load idle|busy|both]

prints, per phase, the latency from SIGINT to the process's exit (worst and median of
N), its exit code and whether anything of the run was left on the engine. "busy" runs
one CPU burner per core on the host for the whole measurement. The integration tests
use the same phases (tests/integration/test_interrupts.py).

Each phase is recognised from outside, as a user would see it: which of the run's
containers runs and what runs in the load container. Verification lasts milliseconds
between readiness and the warmup and cannot be hit that way; the unit tests interrupt
it (and every other phase) through the in-memory engine.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.integration.conftest import SLEEPY
from tests.integration.runs import (
    cpu_burners,
    left_on_engine,
    load_commands,
    run_id_in,
    running,
    start_lab,
)

# One flask hello trial at a low level; each phase adds what makes it last long enough
# to be hit.
ONE_TRIAL = (
    "--preset",
    "quick",
    "--apps",
    "flask",
    "--scenarios",
    "hello",
    "--repetitions",
    "1",
    "--connections",
    "32",
)


def _running(client: Any, out: Path, role: str) -> list[Any]:
    """The running containers of `role` of the run writing into `out` (none of another's)."""
    run_id = run_id_in(out)
    return [] if run_id is None else running(client, role, run_id)


def _in_load_container(client: Any, out: Path, text: str) -> bool:
    """Whether a process whose command line holds `text` runs in the run's load container."""
    run_id = run_id_in(out)
    return run_id is not None and any(text in line for line in load_commands(client, run_id))


@dataclass(frozen=True)
class Phase:
    name: str
    args: tuple[str, ...]
    reached: Callable[[Any, Path], bool]  # (docker client, results folder)


PHASES = {
    phase.name: phase
    for phase in (
        Phase(
            "calibration",
            (*ONE_TRIAL, "--no-ceiling"),
            lambda client, out: bool(_running(client, out, "calibration")),
        ),
        Phase(
            "ceiling",
            (*ONE_TRIAL, "--ceiling", "--warmup", "0"),
            lambda client, out: any(
                c.name.endswith("-app-0") for c in _running(client, out, "app")
            ),
        ),
        Phase(
            "readiness",
            # An app stuck at start-up: alive, never ready for wrk.
            (*ONE_TRIAL, "--no-ceiling", "--ready-timeout", "120", "--apps", str(SLEEPY)),
            lambda client, out: _in_load_container(client, out, "probe.py wait"),
        ),
        Phase(
            "warmup",
            (*ONE_TRIAL, "--no-ceiling", "--warmup", "9", "--duration", "4"),
            lambda client, out: _in_load_container(client, out, "-d9s"),
        ),
        Phase(
            "window",
            (*ONE_TRIAL, "--no-ceiling", "--warmup", "0", "--duration", "9"),
            lambda client, out: _in_load_container(client, out, "-d9s"),
        ),
        Phase(
            "end",  # the last trial is on disk: clean-up, summary, report
            (*ONE_TRIAL, "--no-ceiling", "--warmup", "0", "--duration", "2"),
            lambda _, out: any(out.glob("*/trials/0001.json")),
        ),
    )
}


@dataclass(frozen=True)
class Stopped:
    phase: str
    latency_s: float
    returncode: int
    stderr: str
    run_dir: Path | None
    left: list[str]  # the run's containers and networks still on the engine


def start_run(phase: Phase, out: Path) -> subprocess.Popen[str]:
    return start_lab("run", *phase.args, "--out", str(out))


def interrupt_in(client: Any, phase: Phase, out: Path, timeout_s: float = 180) -> Stopped:
    """Start a run, wait for `phase`, send SIGINT; how long it took to exit, and what is left."""
    process = start_run(phase, out)
    try:
        deadline = time.monotonic() + timeout_s
        while not phase.reached(client, out):
            if process.poll() is not None or time.monotonic() > deadline:
                _, stderr = process.communicate()
                raise AssertionError(f"the run never reached {phase.name}: {stderr[-2000:]}")
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        sent = time.monotonic()
        _, stderr = process.communicate(timeout=60)
        latency = time.monotonic() - sent
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    run_dir = next(iter(out.iterdir()), None) if out.exists() else None
    run_id = run_id_in(out)
    left = [] if run_id is None else left_on_engine(client, run_id)
    return Stopped(phase.name, latency, process.returncode, stderr, run_dir, left)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.integration.interrupts")
    parser.add_argument("--repeat", type=int, default=3, help="runs per phase and load")
    parser.add_argument("--load", choices=("idle", "busy", "both"), default="both")
    parser.add_argument("--phases", nargs="+", choices=sorted(PHASES), default=list(PHASES))
    args = parser.parse_args(argv)
    from lab.engine.client import connect

    client = connect()
    loads = ("idle", "busy") if args.load == "both" else (args.load,)
    print(f"SIGINT to exit, {args.repeat} runs per phase; busy: a CPU burner on each core")
    print(f"{'phase':<12} {'load':<5} {'worst':>7} {'median':>7}  exit codes  left")
    for load in loads:
        for name in args.phases:
            results = []
            with cpu_burners() if load == "busy" else contextlib.nullcontext():
                for _ in range(args.repeat):
                    with tempfile.TemporaryDirectory() as out:
                        results.append(interrupt_in(client, PHASES[name], Path(out) / "r"))
            latencies = [r.latency_s for r in results]
            codes = ",".join(str(r.returncode) for r in results)
            left = sum(len(r.left) for r in results)
            worst, median = max(latencies), statistics.median(latencies)
            print(
                f"{name:<12} {load:<5} {worst:>6.2f}s {median:>6.2f}s  {codes:<10}  {left}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
