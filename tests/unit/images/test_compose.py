from __future__ import annotations

from pathlib import Path

import yaml

from lab.images.compose import compose_document, render_compose
from lab.model.catalog import builtin_catalog
from lab.model.cpurequest import CpuRequest
from lab.model.placement import place

ROOT = Path(__file__).resolve().parents[3]


def test_the_committed_compose_file_is_what_the_lab_renders() -> None:
    assert (ROOT / "compose.yaml").read_text() == render_compose(), (
        "compose.yaml is stale: run `python -m lab compose` and commit it"
    )


def test_the_stack_is_redis_postgres_the_apps_and_wrk_on_an_internal_network() -> None:
    document = yaml.safe_load(render_compose())
    services = document["services"]
    # Every app of the lab's, variants included, is a service by its run name.
    assert set(services) == {"redis", "postgres", "wrk", *builtin_catalog().apps}
    assert services["postgres"]["cpuset"] == services["redis"]["cpuset"]
    assert services["aio"]["depends_on"] == ["redis", "postgres"]
    assert services["aio-uvloop"]["image"] == services["aio"]["image"] == "lab/aio:latest"
    assert "build" in services["aio"] and "build" not in services["aio-uvloop"]
    assert services["fastapi"]["build"]["args"]["APP"] == "fastapi"
    assert services["fastapi"]["build"]["dockerfile"] == "Dockerfile.app"
    assert services["fastapi-granian"]["command"][0] == "granian"
    assert services["wrk"]["profiles"] == ["load"]
    assert document["networks"]["lab"]["internal"] is True
    for service in services.values():
        assert "ports" not in service
        assert service["cap_drop"] == ["ALL"] and service["read_only"] is True
        assert service["networks"] == ["lab"]


def test_placement_follows_the_lab_redis_never_with_the_app() -> None:
    services = compose_document(place(CpuRequest(), 2), workers=1)["services"]
    assert services["aio"]["cpuset"] == services["flask"]["cpuset"] == "1"
    assert services["redis"]["cpuset"] == services["wrk"]["cpuset"] == "0"
    wide = compose_document(place(CpuRequest(app=2), 8), workers=2)["services"]
    command = wide["aio"]["command"]
    assert command[command.index("--workers") + 1] == "2"
    assert len({wide[name]["cpuset"] for name in ("aio", "wrk", "redis")}) == 3
