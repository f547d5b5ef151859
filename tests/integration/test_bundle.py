"""A bundle of the current build brings a removed image back: the same ID, the same tags."""

from __future__ import annotations

import argparse
import io
import re
import tarfile
from pathlib import Path
from typing import Any

import docker.errors
import pytest
from rich.console import Console

from lab.cli.bundle import cmd_bundle_load, cmd_bundle_save
from lab.errors import EXIT_USAGE, UsageError
from lab.images.bundle import load_bundle
from lab.images.manifest import check_bundle, split_tag
from lab.images.specs import BASE_IMAGE


class Untouchable:
    """Stands in for the client where the engine must not be used at all."""

    def __getattr__(self, name: str) -> Any:
        pytest.fail(f"the engine was used (.{name}) by the load of a damaged bundle")


def console() -> tuple[Console, io.StringIO]:
    text = io.StringIO()
    return Console(file=text, width=200, soft_wrap=True), text


def tags_of(client: Any, image_ids: list[str]) -> dict[str, list[str]]:
    return {image_id: sorted(client.images.get(image_id).tags) for image_id in image_ids}


def restore(client: Any, bundle: Path, image_id: str, tags: tuple[str, ...]) -> None:
    """Put the image back straight from the bundle's archive, should the load under test fail."""
    try:
        client.images.get(image_id)
        return
    except docker.errors.ImageNotFound:
        pass
    with tarfile.open(bundle) as tar:
        for _ in client.api.load_image(tar.extractfile("images.tar")):
            pass
    for tag in tags:
        client.images.get(image_id).tag(*split_tag(tag))


def test_a_bundle_brings_back_a_removed_image_and_refuses_a_flipped_byte(
    docker_client: Any, images: dict[str, str], tmp_path: Path
) -> None:
    bundle = tmp_path / "lab-images.tar"
    out, said = console()
    quiet, _ = console()
    assert cmd_bundle_save(argparse.Namespace(file=bundle, run=None), out, quiet) == 0
    # The base image and one per spec: the infrastructure and every app folder.
    count = len(images) + 1
    assert re.search(rf"saved {count} images \([\d.]+ MB\) to .* in [\d.]+ s", said.getvalue())
    print(said.getvalue())  # the size and the time, shown by `pytest -rP`

    manifest = check_bundle(bundle)
    assert manifest.source == {"build": True}
    listed = {image.name: image for image in manifest.images}
    assert sorted(listed) == sorted(["base", *images])
    assert listed["base"].image_id == docker_client.images.get(BASE_IMAGE).id
    for name, tag in images.items():
        assert listed[name].image_id == docker_client.images.get(tag).id
        assert listed[name].tags == (tag, f"lab/{name}:latest")
        assert listed[name].labels["lab.image"] == name

    flask = listed["flask"]
    docker_client.images.remove(flask.image_id, force=True)
    try:
        with pytest.raises(docker.errors.ImageNotFound):
            docker_client.images.get(flask.image_id)
        with pytest.raises(docker.errors.ImageNotFound):
            docker_client.images.get(images["flask"])
        out, said = console()
        assert cmd_bundle_load(argparse.Namespace(file=bundle), out, quiet) == 0
        assert re.search(
            rf"loaded {count} images \([\d.]+ MB\) from .* in [\d.]+ s", said.getvalue()
        )
        print(said.getvalue())
        back = docker_client.images.get(images["flask"])
        assert back.id == flask.image_id
        assert {images["flask"], "lab/flask:latest"} <= set(back.tags)
    finally:
        restore(docker_client, bundle, flask.image_id, flask.tags)

    ids = [image.image_id for image in manifest.images]
    before = tags_of(docker_client, ids)
    with tarfile.open(bundle) as tar:
        offset = tar.getmember("images.tar").offset_data + manifest.archive.size // 2
    with bundle.open("r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)[0]
        handle.seek(offset)
        handle.write(bytes([byte ^ 0xFF]))
    with pytest.raises(UsageError) as info:
        load_bundle(Untouchable(), bundle)
    assert info.value.exit_code == EXIT_USAGE
    assert str(bundle) in info.value.message and "sha256" in info.value.message
    assert tags_of(docker_client, ids) == before
