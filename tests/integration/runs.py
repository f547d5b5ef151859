"""Real runs through the CLI, watched from outside as a user would: the process, its run
folder, and its containers on the engine. Shared by the fault, ground and interrupt tests
and by `python -m tests.integration.interrupts`."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
# Short trials at a low level, with no warmup and no ceiling.
QUICK = ["--preset", "quick", "--warmup", "0", "--no-ceiling", "--connections", "32"]


def start_lab(*args: str) -> subprocess.Popen[str]:
    """`python -m lab ARGS` as from a terminal: SIGINT not ignored even when this process
    was started in the background (where a shell ignores it, and its children inherit that)."""
    return subprocess.Popen(
        [sys.executable, "-m", "lab", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def quick_run(out: Path, *flags: str) -> subprocess.Popen[str]:
    """`lab run` with QUICK and `flags`, into `out`."""
    return start_lab("run", *QUICK, *flags, "--out", str(out))


def wait_for(condition: Callable[[], Any], timeout_s: float = 60, what: str = "") -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def run_folder(out: Path) -> Path:
    (run_dir,) = out.iterdir()
    return run_dir


def trials(out: Path) -> list[dict[str, Any]]:
    paths = sorted((run_folder(out) / "trials").glob("*.json"))
    return [json.loads(path.read_text()) for path in paths]


def run_id_in(out: Path) -> str | None:
    """The id of the run writing into `out`, once its run.json is there."""
    for path in out.glob("*/run.json"):
        with contextlib.suppress(OSError, ValueError):
            return str(json.loads(path.read_text())["run_id"])
    return None


def running(client: Any, role: str, run_id: str | None = None) -> list[Any]:
    """The lab's running containers of `role`; of one run only when `run_id` is given."""
    labels = ["lab.managed=true", f"lab.role={role}"]
    if run_id is not None:
        labels.append(f"lab.run-id={run_id}")
    return list(client.containers.list(filters={"label": labels}))


def load_commands(client: Any, run_id: str | None = None) -> list[str]:
    """The command lines of the processes in the lab's load containers now."""
    lines = []
    for container in running(client, "wrk", run_id):
        with contextlib.suppress(Exception):  # gone between the list and the look
            # `docker top` rows end with the command line.
            lines += [row[-1] for row in container.top()["Processes"] or ()]
    return lines


def loading(client: Any) -> bool:
    """Whether wrk runs in a load container now."""
    return any(line.startswith("wrk ") for line in load_commands(client))


def left_on_engine(client: Any, run_id: str) -> list[str]:
    """The run's containers and networks still on the engine, by name."""
    selector = {"label": f"lab.run-id={run_id}"}
    return [c.name for c in client.containers.list(all=True, filters=selector)] + [
        n.name for n in client.networks.list(filters=selector)
    ]


def assert_nothing_left(client: Any, out: Path) -> None:
    run_id = json.loads((run_folder(out) / "run.json").read_text())["run_id"]
    assert left_on_engine(client, run_id) == []


def burner(cpu: int) -> subprocess.Popen[bytes]:
    """A process that spins on `cpu` until it is killed."""
    code = f"import os\nos.sched_setaffinity(0, {{{cpu}}})\nwhile True:\n    pass\n"
    return subprocess.Popen([sys.executable, "-c", code])


@contextlib.contextmanager
def cpu_burners() -> Iterator[None]:
    """A burner on each CPU this process may use, for as long as it is open."""
    burners = [burner(cpu) for cpu in sorted(os.sched_getaffinity(0))]
    try:
        yield
    finally:
        for spinning in burners:
            spinning.kill()
            spinning.wait()
