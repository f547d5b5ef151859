"""Marks every test under tests/integration as `integration` (it needs a real engine), and
the fixtures of a real engine that tests elsewhere ask for too (in parameters marked
`integration`): the engine's client and the lab's images.

At the end of the session nothing labelled `lab.managed=true` (nor anything
testcontainers made) may remain on the engine.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lab.engine.client import connect
from lab.images.build import build_all
from lab.images.labels import MANAGED_FILTER

# testcontainers reads this when it is imported; its reaper image cannot be pulled
# here, and the tests clean up by label themselves.
os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")

INTEGRATION = Path(__file__).parent / "integration"
ROOT = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if INTEGRATION in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def docker_client() -> Iterator[Any]:
    client = connect()
    yield client
    leftovers = [
        f"container {c.name}"
        for label in (MANAGED_FILTER, "org.testcontainers=true")
        for c in client.containers.list(all=True, filters={"label": label})
    ] + [f"network {n.name}" for n in client.networks.list(filters={"label": MANAGED_FILTER})]
    client.close()
    assert not leftovers, f"left on the engine after the tests: {leftovers}"


@pytest.fixture(scope="session")
def images(docker_client: Any) -> dict[str, str]:
    """Tags of the lab's images, built when their inputs changed (make test builds first)."""
    return {b.name: b.tag for b in build_all(docker_client, ROOT, ROOT / ".lab", print)}
