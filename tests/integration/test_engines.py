"""Each role on its own Docker engine: two extra daemons on this machine beside its engine.

The app runs on one, the load generator on the other, Redis on the machine's own engine;
they talk over this machine's loopback (host networking at 127.0.0.1). Which engine each
container ran on is read from each engine's own event log, by the run's id and role.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from lab.errors import EXIT_ENGINE
from lab.images.labels import MANAGED_FILTER, ROLE, RUN_ID
from tests.integration.daemons import ExtraDaemon, can_run_extra_daemons, extra_daemons
from tests.integration.runs import QUICK, quick_run, run_folder, start_lab, wait_for

pytestmark = pytest.mark.skipif(
    can_run_extra_daemons() is not None, reason=f"{can_run_extra_daemons()}"
)


@pytest.fixture
def daemons(images: dict[str, str]) -> Iterator[dict[str, ExtraDaemon]]:  # noqa: ARG001
    with extra_daemons(["app", "load"]) as started:
        yield started


@pytest.fixture
def clients(daemons: dict[str, ExtraDaemon]) -> Iterator[dict[str, Any]]:
    """A client of each extra engine, by role."""
    made = {role: docker.DockerClient(base_url=d.url) for role, d in daemons.items()}
    yield made
    for client in made.values():
        client.close()


def engine_flags(daemons: dict[str, ExtraDaemon]) -> list[str]:
    return [f"--engine={role}={daemons[role].url}" for role in ("app", "load")]


def roles_created(client: Any, run_id: str, since: float) -> set[str]:
    """The roles of the run's containers this engine created, from its event log."""
    events = client.events(
        since=int(since),
        until=int(time.time()) + 1,
        filters={"type": "container", "event": "create", "label": f"{RUN_ID}={run_id}"},
        decode=True,
    )
    return {event["Actor"]["Attributes"][ROLE] for event in events}


def leftovers(client: Any) -> list[str]:
    selector = {"label": MANAGED_FILTER}
    return [c.name for c in client.containers.list(all=True, filters=selector)] + [
        n.name for n in client.networks.list(filters=selector)
    ]


def test_app_load_and_redis_each_run_on_their_own_engine(
    daemons: dict[str, ExtraDaemon], clients: dict[str, Any], docker_client: Any, tmp_path: Path
) -> None:
    since = time.time() - 1
    # The ceiling too: nginx must listen at the app's address on the app's engine.
    process = quick_run(tmp_path, *engine_flags(daemons), "--ceiling", "--apps", "aio")
    _, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, stderr[-3000:]
    run_doc = json.loads((run_folder(tmp_path) / "run.json").read_text())
    run_id = run_doc["run_id"]

    assert roles_created(clients["app"], run_id, since) == {"app", "calibration"}
    assert roles_created(clients["load"], run_id, since) == {"wrk"}
    assert roles_created(docker_client, run_id, since) == {"redis"}

    # Same bytes everywhere: each engine holds the image it ran under the recorded ID.
    recorded = {name: image["id"] for name, image in run_doc["provenance"]["images"].items()}
    for name in ("aio", "nginx"):
        assert clients["app"].images.get(recorded[name]).id == recorded[name]
    assert clients["load"].images.get(recorded["wrk"]).id == recorded["wrk"]

    effective = run_doc["effective"]
    assert effective["network_path"] == "host"
    assert effective["fairness"]["bind"] == "127.0.0.1:8000"
    assert {role: place["url"] for role, place in effective["topology"].items()} == {
        "app": daemons["app"].url,
        "load": daemons["load"].url,
        "redis": os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock"),
    }
    assert set(run_doc["provenance"]["engine"]["engines"]) == {
        f"app ({daemons['app'].url})",
        f"load ({daemons['load'].url})",
        "redis (unix:///var/run/docker.sock)",
    }
    trial = json.loads(next((run_folder(tmp_path) / "trials").glob("*.json")).read_text())
    assert trial["status"] == "ok", trial.get("reason")
    assert trial["verification"]["isolation"]["networks"] == ["host"]
    ceiling = run_doc["ceiling"]["connections"]
    assert all(level["status"] == "ok" for level in ceiling.values()), ceiling
    assert "engine: app on" in stderr and "copied" in stderr

    for client in (*clients.values(), docker_client):
        assert leftovers(client) == []


def test_an_engine_lost_mid_run_is_named_and_the_others_are_left_clean(
    daemons: dict[str, ExtraDaemon], clients: dict[str, Any], docker_client: Any, tmp_path: Path
) -> None:
    app = clients["app"]
    process = start_lab(
        "run", *QUICK, *engine_flags(daemons), "--repetitions", "3", "--out", str(tmp_path)
    )
    # Once the first trial's app runs, the load generator's engine dies.
    wait_for(
        lambda: app.containers.list(filters={"label": f"{ROLE}=app"}),
        timeout_s=300,
        what="the first trial's app container",
    )
    os.kill(daemons["load"].pid, signal.SIGKILL)
    _, stderr = process.communicate(timeout=300)

    assert process.returncode == EXIT_ENGINE, stderr[-3000:]
    last = stderr.strip().splitlines()[-1]
    assert f"load ({daemons['load'].url})" in last and "--resume" in last, last
    assert leftovers(app) == []
    assert leftovers(docker_client) == []
    run_doc = json.loads((run_folder(tmp_path) / "run.json").read_text())
    assert run_doc["status"] == "aborted"
    assert f"load ({daemons['load'].url})" in run_doc["reason"]
