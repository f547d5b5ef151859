"""One behaviour, two stacks: the in-memory engine of fakes.py and the real RunStack.

The same tests run against both, so the fake the unit tests lean on cannot drift from
what the engine does. The real side of `stack` needs a Docker engine and the lab's
images (its parameters are marked `integration`); the real side of `lost`, an engine that
refuses connections, needs none: its client's socket refuses them.
"""

from __future__ import annotations

import gc
import socket
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import pytest

from lab.engine.port import Container, DatabaseSpec, EngineGone, LoadClient, NetworkPath, Stack
from lab.engine.stack import RunStack
from lab.images.containers import AppSettings
from lab.measure.verify import verify_hello
from lab.model.placement import CpuSlot
from lab.model.tables import FORTUNES, WORLD_ROWS
from tests.unit.engine.fakes import FakeEngine, fake_built

SLOT = CpuSlot("any", "0", (0,), None)
FAKE_IMAGES = {item.name: item.image_id for item in fake_built()}


@dataclass
class Subject:
    """An opened stack, and how to start the static server as its app."""

    stack: Stack
    server: AppSettings


def on_both(*modes: str) -> list[Any]:
    """Each network path on the in-memory engine, then on the real one."""
    real = pytest.mark.integration
    memory = [pytest.param(("memory", mode), id=f"memory-{mode}") for mode in modes]
    docker = [pytest.param(("docker", mode), id=f"docker-{mode}", marks=real) for mode in modes]
    return memory + docker


@pytest.fixture(params=on_both("bridge", "shared"))
def subject(request: pytest.FixtureRequest) -> Iterator[Subject]:
    engine_kind, mode = request.param
    path = NetworkPath(mode)
    if engine_kind == "memory":
        engine = FakeEngine()
        fake = engine.run_stack("r1", FAKE_IMAGES["redis"], FAKE_IMAGES["wrk"], SLOT, SLOT, path)
        with fake as stack:
            yield Subject(stack, AppSettings(FAKE_IMAGES["nginx"], None))
        return
    client = request.getfixturevalue("docker_client")
    images = request.getfixturevalue("images")
    run_id = f"behaviour-{uuid.uuid4().hex[:6]}"
    with RunStack(client, run_id, images["redis"], images["wrk"], SLOT, SLOT, None, path) as real:
        yield Subject(real, AppSettings(images["nginx"], None))


def ready(stack: Stack, app: Container) -> LoadClient:
    """Where the app is loaded from, once it answers there."""
    load = stack.load_for(app, 1)
    report = stack.probe("wait", load.base_url + "/", "--timeout", "20", on=load.container)
    assert report["ready"], report
    return load


def test_a_started_app_runs_with_its_cpus_until_it_is_removed(subject: Subject) -> None:
    stack = subject.stack
    app = stack.start_app(1, subject.server, SLOT)
    assert stack.is_running(app) == (True, "running")
    assert stack.applied_limits(app)["cpuset"] == SLOT.cpuset
    stack.remove(app)
    assert stack.is_running(app) == (False, "removed")
    stack.remove(app)  # one already gone is fine
    assert stack.log_tail(app).startswith("(no log: ")


def test_the_app_answers_the_probe_from_the_load_container(subject: Subject) -> None:
    stack = subject.stack
    app = stack.start_app(1, subject.server, SLOT)
    load = ready(stack, app)
    # On the shared path, wrk's own container in the app's namespace; else the run's.
    assert load.owned == (load.container.name != stack.load.name)
    report = stack.probe("fetch", load.base_url + "/", "--requests", "2", on=load.container)
    assert verify_hello(report) == []


def test_the_counter_of_an_idle_app_is_read_at_once(subject: Subject) -> None:
    stack = subject.stack
    app = stack.start_app(1, subject.server, SLOT)
    ready(stack, app)
    stack.reset_counter()
    assert stack.settled_counter(app, 5.0) == (0, 0)


def test_an_app_paused_and_thawed_runs_on_and_a_second_thaw_is_fine(subject: Subject) -> None:
    stack = subject.stack
    app = stack.start_app(1, subject.server, SLOT)
    stack.pause(app)
    stack.unpause(app)
    stack.unpause(app)
    assert stack.is_running(app) == (True, "running")


def test_the_ground_is_whole_until_the_load_container_is_gone(subject: Subject) -> None:
    stack = subject.stack
    assert stack.ground_fault() is None
    stack.remove(stack.load)
    fault = stack.ground_fault()
    assert fault is not None
    assert fault == f"the run's load container {stack.load.name} is removed"


# --- an engine that stops answering ----------------------------------------------------


@dataclass
class Lost:
    """A stack whose engine no longer answers, and a container it had started."""

    stack: Stack
    app: Container


def refusing_socket(folder: Path) -> socket.socket:
    """A unix socket that is bound but never listens: every connection is refused."""
    path = folder / "engine.sock"
    bound = socket.socket(socket.AF_UNIX)
    bound.bind(str(path))
    return bound


@pytest.fixture(params=["memory", "docker"])
def lost(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Lost]:
    if request.param == "memory":
        engine = FakeEngine()
        fake = engine.run_stack("r1", FAKE_IMAGES["redis"], FAKE_IMAGES["wrk"], SLOT, SLOT)
        with fake as stack:
            app = stack.start_app(1, AppSettings(FAKE_IMAGES["nginx"], None), SLOT)
            engine.gone = EngineGone("('Connection aborted.', ConnectionRefusedError(111))")
            yield Lost(stack, app)
            engine.gone = None  # so that leaving the stack may clean up
        return
    bound = refusing_socket(tmp_path)
    # A pinned API version: asking the engine for one would fail before the test.
    client = docker.DockerClient(base_url=f"unix://{bound.getsockname()}", version="1.41")
    app = client.containers.prepare_model({"Id": "f" * 64, "Name": "/lab-lost-app-1"})
    try:
        yield Lost(RunStack(client, "lost", "redis", "wrk", SLOT, SLOT), app)
    finally:
        client.close()
        bound.close()
        # docker-py leaves a refused connection's socket to the collector: collected here,
        # where its warning is expected, and not in whichever test runs next.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()


CALLS: dict[str, Callable[[Stack, Container], object]] = {
    "is_running": lambda stack, app: stack.is_running(app),
    "applied_limits": lambda stack, app: stack.applied_limits(app),
    "isolation_facts": lambda stack, app: stack.isolation_facts(app),
    "pause": lambda stack, app: stack.pause(app),
    "unpause": lambda stack, app: stack.unpause(app),
    "remove": lambda stack, app: stack.remove(app),
    "exec_load": lambda stack, app: stack.exec_load(["true"], on=app),
}


@pytest.mark.parametrize("call", sorted(CALLS))
def test_every_question_to_a_lost_engine_raises_engine_gone(lost: Lost, call: str) -> None:
    """Never the client library's own error: the runner turns EngineGone into exit 3."""
    with pytest.raises(EngineGone):
        CALLS[call](lost.stack, lost.app)


def test_the_log_of_a_lost_engine_says_why_there_is_none(lost: Lost) -> None:
    assert lost.stack.log_tail(lost.app).startswith("(no log: ")


@pytest.fixture(params=on_both("bridge"))
def with_database(request: pytest.FixtureRequest) -> Iterator[Stack]:
    """A stack opened for a run whose scenarios read PostgreSQL."""
    engine_kind, mode = request.param
    path = NetworkPath(mode)
    if engine_kind == "memory":
        database = DatabaseSpec(FAKE_IMAGES["postgres"], seed=7)
        engine = FakeEngine()
        fake = engine.run_stack(
            "r1", FAKE_IMAGES["redis"], FAKE_IMAGES["wrk"], SLOT, SLOT, path, database
        )
        with fake as stack:
            yield stack
        return
    client = request.getfixturevalue("docker_client")
    images = request.getfixturevalue("images")
    run_id = f"behaviour-{uuid.uuid4().hex[:6]}"
    database = DatabaseSpec(images["postgres"], seed=7)
    redis, wrk = images["redis"], images["wrk"]
    with RunStack(client, run_id, redis, wrk, SLOT, SLOT, None, path, database=database) as real:
        yield real


def test_a_run_that_reads_postgres_has_its_tables_loaded_and_checked_as_ground(
    with_database: Stack,
) -> None:
    stack = with_database
    tables = stack.tables
    assert tables is not None
    assert sorted(tables.world) == list(range(1, WORLD_ROWS + 1))
    assert all(1 <= number <= WORLD_ROWS for number in tables.world.values())
    assert len(set(tables.world.values())) > WORLD_ROWS // 2  # drawn, not one value
    assert tables.fortunes == FORTUNES  # markup, quotes and Japanese as loaded
    assert stack.postgres is not None
    assert stack.applied_limits(stack.postgres)["cpuset"] == SLOT.cpuset
    assert stack.ground_fault() is None
    stack.remove(stack.postgres)
    fault = stack.ground_fault()
    assert fault is not None and "postgres" in fault


def test_a_run_that_does_not_read_postgres_starts_none(subject: Subject) -> None:
    assert subject.stack.tables is None
    assert subject.stack.postgres is None
