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


@pytest.fixture
def stack(images: dict[str, str]) -> Iterator[None]:  # noqa: ARG001 - builds the wheels too
    up = compose("up", "-d")
    try:
        assert up.returncode == 0, up.stderr[-2000:]
        yield
    finally:
        down = compose("down", "--remove-orphans")
        assert down.returncode == 0, down.stderr[-2000:]


def test_compose_file_validates() -> None:
    done = compose("config", "-q")
    assert done.returncode == 0, done.stderr


@pytest.mark.usefixtures("stack")
def test_the_stack_comes_up_answers_inside_and_goes_down(docker_client: Any) -> None:
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


@pytest.mark.usefixtures("stack")
def test_every_app_of_the_catalog_answers_as_its_compose_service() -> None:
    # One probe container asks every service, each started with the lab's own command.
    urls = [f"http://{name}:8000/" for name in sorted(builtin_catalog().apps)]
    script = (
        "import json, subprocess, sys\n"
        "for url in sys.argv[1:]:\n"
        "    subprocess.run(['python3', '/opt/lab/probe.py', 'wait', url, '--timeout', '60'],"
        " capture_output=True)\n"
        "    out = subprocess.run(['python3', '/opt/lab/probe.py', 'fetch', url],"
        " capture_output=True, text=True).stdout\n"
        "    print(json.dumps({'url': url, 'report': json.loads(out.strip().splitlines()[-1])}))\n"
    )
    done = compose("run", "--rm", "wrk", "python3", "-c", script, *urls)
    assert done.returncode == 0, done.stderr[-2000:]
    answers = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [a["url"] for a in answers] == urls
    for answer in answers:
        assert verify_hello(answer["report"]) == [], answer
