"""Roles on their own engines, through the in-memory engine: each app's settings on the
hosts' network, the images copied before the stack opens, wrk aimed at the app's
address, and a lost engine named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lab.engine.lifecycle import app_settings
from lab.engine.port import BRIDGE, EngineGone, NetworkPath
from lab.engine.runner import run, run_images
from lab.errors import EXIT_ENGINE, EngineUnavailable
from lab.images.containers import DATABASE_URL, REDIS_URL, app_environment
from lab.model.catalog import CEILING
from lab.model.config import build_config
from lab.model.plan import Blueprint, blueprint
from lab.model.topology import EngineFacts, Placed, Topology
from tests.unit.engine.fakes import FakeClock, FakeEngine, RecordingReporter, fake_built

IMAGES = {item.name: item.image_id for item in fake_built()}
APP_ADDRESS = "10.0.0.5"
REDIS_ADDRESS = "10.0.0.7"
GONE = EngineGone("('Connection aborted.', RemoteDisconnected())", "ConnectionError")


def split() -> Topology:
    """app, load and redis each on an engine of its own host, two CPUs each."""
    return Topology(
        {
            "app": Placed("ssh://bench@10.0.0.5", APP_ADDRESS, EngineFacts("e-app", "h1", 2)),
            "load": Placed("unix:///x.sock", "127.0.0.1", EngineFacts("e-load", "h2", 2)),
            "redis": Placed("tcp://10.0.0.7:2376", REDIS_ADDRESS, EngineFacts("e-redis", "h3", 2)),
        }
    )


def plan_of(out: Path, topology: Topology | None, **overrides: Any) -> Blueprint:
    """Four trials (flask and aio, hello and hit) at one level, the ceiling first."""
    changes: dict[str, Any] = {"out": str(out), "warmup_s": 0.0, **overrides}
    return blueprint(build_config("quick", changes), host_cpus=2, topology=topology)


def read(path: Path) -> Any:
    return json.loads(path.read_text())


# --- each app's settings ---


def test_on_the_hosts_network_redis_is_at_its_address_and_apps_bind_by_command(
    tmp_path: Path,
) -> None:
    plan = plan_of(tmp_path, split())
    settings = app_settings(plan, "aio", IMAGES)
    assert settings.image == IMAGES["aio"]
    assert settings.redis_url == f"redis://{REDIS_ADDRESS}:6379/0"
    assert settings.listen is None  # its server binds where its command says
    assert settings.command is not None
    assert f"{APP_ADDRESS}:8000" in settings.command
    environment = app_environment(settings)
    assert environment["REDIS_URL"] == f"redis://{REDIS_ADDRESS}:6379/0"
    assert "LISTEN" not in environment


def test_on_the_hosts_network_the_ceiling_server_listens_at_the_apps_address(
    tmp_path: Path,
) -> None:
    settings = app_settings(plan_of(tmp_path, split()), CEILING.name, IMAGES)
    assert settings.command is None
    assert settings.listen == f"{APP_ADDRESS}:8000"
    assert app_environment(settings) == {
        "REDIS_URL": f"redis://{REDIS_ADDRESS}:6379/0",
        # PostgreSQL goes with Redis, at its host's address.
        "DATABASE_URL": f"postgresql://lab@{REDIS_ADDRESS}:5432/lab",
        "REDIS_MAX_CONNECTIONS": "64",
        "DB_POOL_SIZE": "64",
        "LISTEN": f"{APP_ADDRESS}:8000",
    }


def test_the_host_path_on_one_engine_uses_the_loopback_address(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, Topology.one_engine(2), network_path="host")
    ceiling = app_settings(plan, CEILING.name, IMAGES)
    assert ceiling.redis_url == "redis://127.0.0.1:6379/0"
    assert ceiling.listen == "127.0.0.1:8000"


@pytest.mark.parametrize("topology", [None, Topology.one_engine(2)])
def test_on_the_bridge_the_defaults_stand(tmp_path: Path, topology: Topology | None) -> None:
    plan = plan_of(tmp_path, topology)
    for name in ("aio", CEILING.name):
        settings = app_settings(plan, name, IMAGES)
        assert settings.redis_url == REDIS_URL == "redis://redis:6379/0"
        assert settings.listen is None
        assert app_environment(settings) == {
            "REDIS_URL": REDIS_URL,
            "DATABASE_URL": DATABASE_URL,
            "REDIS_MAX_CONNECTIONS": "64",
            "DB_POOL_SIZE": "64",
        }
    command = app_settings(plan, "aio", IMAGES).command
    assert command is not None
    assert "0.0.0.0:8000" in command


def test_app_env_stays_beside_the_host_networks_settings(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, split(), app_env=("FOO=1",))
    environment = app_environment(app_settings(plan, CEILING.name, IMAGES))
    assert environment["FOO"] == "1"
    assert environment["LISTEN"] == f"{APP_ADDRESS}:8000"


# --- the run ---


def test_a_split_run_copies_the_images_and_aims_wrk_at_the_apps_address(tmp_path: Path) -> None:
    engine = FakeEngine()
    plan = plan_of(tmp_path / "out", split())
    outcome = run(engine, plan, tmp_path, RecordingReporter(), clock=FakeClock())

    assert outcome.failed == 0
    (stack,) = engine.stacks
    # Decided once, for every container of the run: wrk aims at the app's address.
    assert stack.path == NetworkPath("host", APP_ADDRESS, REDIS_ADDRESS)
    # The images the run built, every one of them, once, between the build and the stack.
    (distributed,) = engine.called("distribute")
    assert set(distributed[0]) == {spec.name for spec in run_images(plan)}
    assert {"redis", "wrk", "nginx", "flask", "aio"} <= set(distributed[0])
    methods = [call[0] for call in engine.calls]
    assert methods.index("build_images") < methods.index("distribute") < methods.index("open")
    urls = [call[-1] for call in engine.calls if call[0] == "exec_load" and call[2] == "wrk"]
    assert urls
    assert all(url.startswith(f"http://{APP_ADDRESS}:8000/") for url in urls), urls

    doc = read(outcome.run_dir / "run.json")
    assert doc["effective"]["network_path"] == "host"
    assert doc["effective"]["addresses"] == {"app": APP_ADDRESS, "redis": REDIS_ADDRESS}
    assert doc["effective"]["fairness"]["bind"] == f"{APP_ADDRESS}:8000"
    assert set(doc["effective"]["topology"]) == {"app", "load", "redis"}
    assert read(outcome.run_dir / "summary.json")["network_path"] == "host"
    trial = read(outcome.run_dir / "trials" / "0001.json")
    assert trial["verification"]["network_path"] == "host"


def test_a_run_on_one_engine_has_no_host_network(tmp_path: Path) -> None:
    engine = FakeEngine()
    plan = plan_of(tmp_path / "out", Topology.one_engine(2), ceiling=False)
    run(engine, plan, tmp_path, RecordingReporter(), clock=FakeClock())

    (stack,) = engine.stacks
    assert stack.path == BRIDGE == NetworkPath("bridge")
    assert len(engine.called("distribute")) == 1
    urls = [call[-1] for call in engine.calls if call[0] == "exec_load" and call[2] == "wrk"]
    assert urls
    assert all(url.startswith("http://app:8000/") for url in urls), urls


def test_a_lost_engine_of_several_is_named(tmp_path: Path) -> None:
    engine = FakeEngine(fail_at={("exec_load", 2): GONE}, lost=("load (unix:///x.sock)",))
    plan = plan_of(tmp_path / "out", split(), ceiling=False)
    with pytest.raises(EngineUnavailable) as excinfo:
        run(engine, plan, tmp_path, RecordingReporter(), clock=FakeClock())

    assert excinfo.value.exit_code == EXIT_ENGINE
    message = excinfo.value.message
    assert "the Docker engine load (unix:///x.sock) stopped answering during the run" in message
    assert "stopped after 1 of 4 trials" in message
    (run_dir,) = (tmp_path / "out").iterdir()
    doc = read(run_dir / "run.json")
    assert doc["status"] == "aborted"
    assert doc["reason"].startswith("the Docker engine load (unix:///x.sock) stopped answering")


def test_a_lost_engine_names_every_engine_that_stopped_answering(tmp_path: Path) -> None:
    lost = ("load (unix:///x.sock)", "redis (tcp://10.0.0.7:2376)")
    engine = FakeEngine(fail_at={("exec_load", 2): GONE}, lost=lost)
    with pytest.raises(EngineUnavailable) as excinfo:
        run(
            engine,
            plan_of(tmp_path / "out", split(), ceiling=False),
            tmp_path,
            RecordingReporter(),
            clock=FakeClock(),
        )
    assert (
        "the Docker engine load (unix:///x.sock) and redis (tcp://10.0.0.7:2376) stopped"
        in excinfo.value.message
    )
