"""compose.yaml works with Debian's docker-compose: it validates, and the stack comes up."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lab.measure.verify import verify_hello
from lab.model.catalog import builtin_catalog

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "lab-compose-test"


def compose(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("docker-compose")
    assert binary, (
        "docker-compose is missing: `make test` installs it (scripts/ensure-test-tools.sh)"
    )
    return subprocess.run(
        [binary, "-p", PROJECT, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


APP_URLS = [f"http://{name}:8000/" for name in sorted(builtin_catalog().apps)]
# Run in a probe container: wait until every app answers (all start at once on one CPU),
# then print one JSON line per app with what `fetch` saw.
PROBE_ALL = (
    "import json, subprocess, sys\n"
    "def probe(*args):\n"
    "    done = subprocess.run(['python3', '/opt/lab/probe.py', *args],"
    " capture_output=True, text=True)\n"
    "    return json.loads(done.stdout.strip().splitlines()[-1])\n"
    "for url in sys.argv[1:]:\n"
    "    ready = probe('wait', url, '--timeout', '120')\n"
    "    print(json.dumps({'url': url, 'ready': ready, 'report': probe('fetch', url)}))\n"
)


@pytest.fixture
def stack(images: dict[str, str]) -> Iterator[list[dict[str, Any]]]:  # noqa: ARG001 - wheels
    """The stack up, and what each app answered once all were ready."""
    up = compose("up", "-d")
    try:
        assert up.returncode == 0, up.stderr[-2000:]
        done = compose("run", "--rm", "wrk", "python3", "-c", PROBE_ALL, *APP_URLS)
        assert done.returncode == 0, done.stderr[-2000:]
        yield [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    finally:
        down = compose("down", "--remove-orphans")
        assert down.returncode == 0, down.stderr[-2000:]


def test_compose_file_validates() -> None:
    done = compose("config", "-q")
    assert done.returncode == 0, done.stderr


def test_the_stack_comes_up_answers_inside_and_goes_down(
    docker_client: Any, stack: list[dict[str, Any]]
) -> None:
    assert all(answer["ready"]["ready"] for answer in stack), stack
    fetch = compose(
        "run", "--rm", "wrk", "python3", "/opt/lab/probe.py", "fetch", "http://aio:8000/hit"
    )
    assert fetch.returncode == 0, fetch.stderr[-2000:]
    report = json.loads(fetch.stdout.strip().splitlines()[-1])
    assert [r["status"] for r in report["responses"]] == [200, 200]
    load = compose("run", "--rm", "-e", "TARGET=http://flask:8000/", "wrk")
    assert load.returncode == 0, load.stderr[-2000:]
    assert '"schema":"lab.wrk/1"' in load.stdout
    network = docker_client.networks.get(f"{PROJECT}_lab")
    assert network.attrs["Internal"] is True
    # Every app of the catalog, each started with the lab's own command, answers right.
    assert [answer["url"] for answer in stack] == APP_URLS
    for answer in stack:
        assert verify_hello(answer["report"]) == [], answer
