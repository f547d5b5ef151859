"""The built images: rebuilt only when inputs change, non-root, exactly their lock inside."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lab.images.build import build_all, planned_tags
from lab.images.locks import freeze_differences, parse_freeze, parse_lock
from lab.images.specs import BASE_IMAGE

ROOT = Path(__file__).resolve().parents[2]


def run(client: Any, image: str, *command: str) -> str:
    return str(
        client.containers.run(
            image, list(command), remove=True, labels={"lab.managed": "true"}
        ).decode()
    )


def test_a_second_build_rebuilds_nothing(docker_client: Any, images: dict[str, str]) -> None:
    again = build_all(docker_client, ROOT, ROOT / ".lab", print)
    assert [b.rebuilt for b in again] == [False] * len(again)
    assert {b.name: b.tag for b in again} == images


def test_tags_are_the_hash_of_the_current_inputs(
    docker_client: Any, images: dict[str, str]
) -> None:
    base_id = docker_client.images.get(BASE_IMAGE).id
    assert planned_tags(ROOT, base_id) == images


def test_every_image_carries_provenance_labels(docker_client: Any, images: dict[str, str]) -> None:
    for name, tag in images.items():
        labels = docker_client.images.get(tag).labels
        assert labels["lab.managed"] == "true"
        assert labels["lab.image"] == name
        assert tag.endswith(labels["lab.inputs-hash"][:16])
    base = docker_client.images.get(BASE_IMAGE).labels
    assert base["lab.base.suite"] == "bookworm" and base["lab.base.source"] in (
        "debootstrap",
        "registry",
    )


@pytest.mark.parametrize("name", ["flask", "aio", "wrk", "redis"])
def test_images_do_not_run_as_root(docker_client: Any, images: dict[str, str], name: str) -> None:
    assert run(docker_client, images[name], "id", "-u").strip() != "0"


@pytest.mark.parametrize("name", ["flask", "aio"])
def test_app_image_holds_exactly_its_lock(
    docker_client: Any, images: dict[str, str], name: str
) -> None:
    lock = parse_lock((ROOT / f"apps/{name}/requirements.lock").read_text())
    frozen = parse_freeze(
        run(docker_client, images[name], "pip", "freeze", "--disable-pip-version-check")
    )
    assert freeze_differences(lock, frozen) == []


def test_image_python_is_debians_3_11(docker_client: Any, images: dict[str, str]) -> None:
    version = run(
        docker_client, images["aio"], "python", "-c", "import sys; print(sys.version_info[:2])"
    )
    assert version.strip() == "(3, 11)"
