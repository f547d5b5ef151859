"""Fixtures on a real Docker engine: an internal network, Redis, PostgreSQL, the apps (the engine's
client and the lab's images are tests/conftest.py's, shared with the behaviour suite of
tests/unit/engine).

Every container and network carries `lab.managed=true`; at the end of the session
nothing so labelled (nor anything testcontainers made) may remain.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from testcontainers.core.container import DockerContainer
from testcontainers.core.network import Network
from testcontainers.core.wait_strategies import LogMessageWaitStrategy

from lab.engine.port import SystemClock
from lab.engine.postgres import Database
from lab.images.build import build_all
from lab.images.containers import POSTGRES_ALIAS, hardening
from lab.images.labels import managed
from lab.images.specs import spec_named
from lab.model.catalog import builtin_catalog
from lab.model.fairness import Policy, server_command

ROOT = Path(__file__).resolve().parents[2]
TEST_LABELS = managed(role="test")


@pytest.fixture(autouse=True)
def _collect_what_the_test_dropped() -> Iterator[None]:
    """Anything a test left unclosed (say, the socket of a refused connection, which
    docker-py leaves to the collector) fails that test, not whichever one runs when the
    collector happens to find it."""
    yield
    gc.collect()


# A test app that never starts listening (tests/integration/sleepy/), run as a user's folder.
SLEEPY = Path(__file__).parent / "sleepy"


@pytest.fixture(scope="session")
def sleepy(docker_client: Any, images: dict[str, str]) -> Path:  # noqa: ARG001 - base first
    """The sleepy app's folder, its image built (a run would build it, slower to interrupt)."""
    catalog = builtin_catalog().with_folders([SLEEPY])
    build_all(docker_client, ROOT, ROOT / ".lab", print, [spec_named("sleepy", catalog)])
    return SLEEPY


@pytest.fixture(scope="module")
def network() -> Iterator[Network]:
    net = Network(docker_network_kw={"internal": True, "labels": TEST_LABELS})
    with net:
        yield net


def start_redis(images: dict[str, str], network: Network, alias: str = "redis") -> DockerContainer:
    container = (
        DockerContainer(images["redis"], labels=TEST_LABELS)
        .with_network(network)
        .with_network_aliases(alias)
        .waiting_for(LogMessageWaitStrategy("Ready to accept connections"))
    )
    return container.start()


@pytest.fixture(scope="module")
def redis(images: dict[str, str], network: Network) -> Iterator[DockerContainer]:
    container = start_redis(images, network)
    yield container
    container.stop()


# What each server logs once it accepts connections: gunicorn, uvicorn, granian.
READY = re.compile(r"Booting worker|Uvicorn running on|Started worker")


def start_app(
    images: dict[str, str],
    network: Network,
    image: str,
    alias: str,
    access_log: bool = False,
    **env: str,
) -> DockerContainer:
    """The app `image` names (an app of the catalog: its image, started with the command
    the lab gives it under the default policy), reachable as `alias`.

    With `access_log`, in its access log's tmpfs as the lab starts it, and not waited for:
    granian then writes its own messages to that log too (lab.model.fairness)."""
    app = builtin_catalog().apps[image]
    policy = Policy(workers=1, access_log=access_log)
    # On an internal network a lookup of a vanished name waits out the resolver (10 s by
    # default); one 1 s try lets /hit fail fast when Redis is gone, as the lab runs apps.
    container = DockerContainer(
        images[app.image],
        labels=TEST_LABELS,
        dns_opt=["timeout:1", "attempts:1"],
        command=list(server_command(app.server, policy) or ()),
    ).with_network(network)
    if access_log:
        container.tmpfs.update(hardening("app")["tmpfs"])
    container.with_network_aliases(alias).with_envs(**env)
    if not access_log:
        container.waiting_for(LogMessageWaitStrategy(READY))
    return container.start()


def engine_is_ours() -> bool:
    """Whether the engine is the kind scripts/ensure-engine.sh runs (root, a dockerd on
    this machine that no service manager looks after), which a test may kill and start
    again. A developer's systemd docker.service, or Docker Desktop's VM, is left alone."""
    if os.geteuid() != 0:
        return False
    found = subprocess.run(["pgrep", "-x", "dockerd"], capture_output=True, text=True)
    pids = found.stdout.split()
    for pid in pids:
        with contextlib.suppress(OSError):
            if ".service" in Path(f"/proc/{pid}/cgroup").read_text():
                return False
    return bool(pids)


def start_engine(**env: str) -> str:
    """scripts/ensure-engine.sh, which must leave an engine that answers; what it said."""
    started = subprocess.run(
        ["bash", "scripts/ensure-engine.sh"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, **env},
    )
    assert started.returncode == 0, started.stderr
    return started.stderr


def lab(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """`python -m lab ARGS` as a user runs it, from the project's root."""
    return subprocess.run(
        [sys.executable, "-m", "lab", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def probe(client: Any, images: dict[str, str], network: Network, *args: str) -> dict[str, Any]:
    """Run the probe from a container inside the network; its one JSON line, parsed."""
    output = client.containers.run(
        images["wrk"],
        ["python3", "/opt/lab/probe.py", *args],
        network=network.name,
        labels=TEST_LABELS,
        name=f"lab-test-probe-{uuid.uuid4().hex[:8]}",
        remove=True,
    )
    result: dict[str, Any] = json.loads(output.decode().strip().splitlines()[-1])
    return result


def start_postgres(
    images: dict[str, str], network: Network, seed: int = 1
) -> tuple[DockerContainer, Database]:
    """The lab's PostgreSQL as `postgres` on the network, its tables loaded from `seed`
    and read back, as a run's stack loads them (lab.engine.postgres)."""
    container = (
        DockerContainer(images["postgres"], labels=TEST_LABELS)
        .with_network(network)
        .with_network_aliases(POSTGRES_ALIAS)
        .with_kwargs(read_only=True)
        .waiting_for(LogMessageWaitStrategy("database system is ready to accept connections"))
    )
    # testcontainers passes its own tmpfs to the engine: a tmpfs in with_kwargs collides.
    container.tmpfs.update(hardening("postgres")["tmpfs"])
    container.start()
    database = Database(container.get_wrapped_container(), SystemClock())
    database.wait_ready()
    database.load(seed)
    return container, database


@pytest.fixture(scope="module")
def postgres(images: dict[str, str], network: Network) -> Iterator[Database]:
    container, database = start_postgres(images, network)
    yield database
    container.stop()


def redis_get(redis: DockerContainer, key: str) -> str:
    result = redis.exec(["redis-cli", "GET", key])
    return str(result.output.decode().strip())
