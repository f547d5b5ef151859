"""`lab build`: every image whose inputs changed, and only those.

Each image is tagged with the hash of its inputs (see images.specs); an image that
already exists under that tag is up to date. Wheels are fetched on the host and
sent in the build context, so a build never reaches the package index.
"""

from __future__ import annotations

import io
import platform
import re
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker.errors

from lab import __version__
from lab.errors import BuildFailed
from lab.images import host
from lab.images.base import ensure_base
from lab.images.context import tar_context
from lab.images.labels import BASE_ID, IMAGE_NAME, INPUTS_HASH, LAB_VERSION, LOCK_HASH, MANAGED
from lab.images.specs import (
    BASE_IMAGE,
    IMAGE_PYTHON,
    IMAGES,
    ImageSpec,
    image_tag,
    inputs_hash,
    sha256_hex,
    wheel_platforms,
)

Say = Callable[[str], None]
_STEP = re.compile(r"^Step \d+/\d+ : ")


@dataclass(frozen=True, slots=True)
class Built:
    name: str
    tag: str
    image_id: str
    rebuilt: bool


def read_inputs(root: Path, spec: ImageSpec) -> dict[str, bytes]:
    contents: dict[str, bytes] = {}
    for path in spec.inputs:
        try:
            contents[path] = (root / path).read_bytes()
        except FileNotFoundError as exc:
            hint = "run `make lock`" if path == spec.lock else "restore it from git"
            raise BuildFailed(f"input {path} of image {spec.name} is missing", hint) from exc
    return contents


def planned_tags(root: Path, base_id: str) -> dict[str, str]:
    """The tag each image has for the inputs now in `root` (pure apart from reading files)."""
    return {
        spec.name: image_tag(spec, inputs_hash(spec, read_inputs(root, spec), base_id))
        for spec in IMAGES
    }


def build_all(client: Any, root: Path, workdir: Path, say: Say) -> list[Built]:
    base = ensure_base(client, workdir, say)
    return [_ensure(client, spec, root, workdir, base.id, say) for spec in IMAGES]


def _ensure(
    client: Any, spec: ImageSpec, root: Path, workdir: Path, base_id: str, say: Say
) -> Built:
    contents = read_inputs(root, spec)
    digest = inputs_hash(spec, contents, base_id)
    tag = image_tag(spec, digest)
    if spec.lock:
        ensure_wheels(root, workdir, spec, say)  # compose.yaml builds from them as well
    try:
        image = client.images.get(tag)
        image.tag(spec.repository, "latest")
        return Built(spec.name, tag, image.id, rebuilt=False)
    except docker.errors.ImageNotFound:
        pass
    say(f"{spec.name}: building {tag}")
    files = dict(contents)
    lock_hash = ""
    if spec.lock:
        lock_hash = sha256_hex(contents[spec.lock])
        files.update(_wheels(root, workdir, spec, say))
    labels = {
        MANAGED: "true",
        IMAGE_NAME: spec.name,
        INPUTS_HASH: digest,
        LOCK_HASH: lock_hash or "none",
        BASE_ID: base_id,
        LAB_VERSION: __version__,
    }
    image_id = _docker_build(client, spec, files, tag, labels, say)
    client.images.get(image_id).tag(spec.repository, "latest")
    return Built(spec.name, tag, image_id, rebuilt=True)


def ensure_wheels(root: Path, workdir: Path, spec: ImageSpec, say: Say) -> Path:
    """`.lab/wheels/<image>/`, holding exactly the wheels of the image's current lock.

    A stable folder (not one per lock) so that compose.yaml can build from it too;
    the LOCK_HASH file inside says which lock the wheels are for.
    """
    assert spec.lock is not None
    folder = workdir / "wheels" / spec.name
    marker = folder / "LOCK_HASH"
    lock_hash = sha256_hex((root / spec.lock).read_bytes())
    if marker.is_file() and marker.read_text().strip() == lock_hash:
        return folder
    say(f"  downloading the wheels of {spec.lock} on the host into {folder}")
    partial = folder.with_name(f"{spec.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    host.download_wheels(
        root / spec.lock, partial, wheel_platforms(platform.machine()), IMAGE_PYTHON
    )
    (partial / "LOCK_HASH").write_text(lock_hash + "\n")
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    return folder


def _wheels(root: Path, workdir: Path, spec: ImageSpec, say: Say) -> dict[str, bytes]:
    folder = ensure_wheels(root, workdir, spec, say)
    return {f"wheels/{wheel.name}": wheel.read_bytes() for wheel in sorted(folder.glob("*.whl"))}


def _docker_build(
    client: Any,
    spec: ImageSpec,
    files: Mapping[str, bytes],
    tag: str,
    labels: dict[str, str],
    say: Say,
) -> str:
    log: list[str] = []
    step = "(before the first step)"
    image_id = ""
    stream = client.api.build(
        fileobj=io.BytesIO(tar_context(files)),
        custom_context=True,
        dockerfile=spec.dockerfile,
        tag=tag,
        buildargs={"BASE": BASE_IMAGE},
        labels=labels,
        rm=True,
        forcerm=True,
        pull=False,
        decode=True,
    )
    for chunk in stream:
        if "stream" in chunk:
            for line in str(chunk["stream"]).splitlines():
                log.append(line)
                if _STEP.match(line):
                    step = line
                    say(f"  {line}")
        if "aux" in chunk and "ID" in chunk["aux"]:
            image_id = chunk["aux"]["ID"]
        if "error" in chunk:
            log.append(str(chunk["error"]).rstrip())
            raise BuildFailed(
                f"building {spec.name} failed at {step}",
                f"fix {spec.dockerfile} or its inputs, then rerun `python -m lab build`",
                tuple(log[-15:]),
            )
    if not image_id:
        image_id = client.images.get(tag).id
    return image_id
