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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker.errors

from lab import __version__
from lab.errors import BuildFailed
from lab.images import host, locks
from lab.images.base import ensure_base
from lab.images.context import tar_context
from lab.images.labels import (
    BASE_ID,
    IMAGE_NAME,
    INPUTS_HASH,
    LAB_VERSION,
    LOCK_HASH,
    MANAGED,
    VERSIONS,
)
from lab.images.locks import LockError
from lab.images.specs import (
    BASE_IMAGE,
    IMAGE_PYTHON,
    IMAGE_PYTHON_EXACT,
    ImageSpec,
    image_specs,
    image_tag,
    inputs_hash,
    sha256_hex,
    wheel_platforms,
)
from lab.model.catalog import builtin_catalog

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
            contents[path] = spec.source(root, path).read_bytes()
        except FileNotFoundError as exc:
            hint = "run `make lock`" if path == spec.lock else "restore it from git"
            raise BuildFailed(
                f"input {spec.source(root, path)} of image {spec.name} is missing", hint
            ) from exc
    return contents


def planned_tags(
    root: Path, base_id: str, specs: Sequence[ImageSpec] | None = None
) -> dict[str, str]:
    """The tag each image has for the inputs now in `root` (pure apart from reading files)."""
    return {
        spec.name: image_tag(spec, inputs_hash(spec, read_inputs(root, spec), base_id))
        for spec in (image_specs(builtin_catalog()) if specs is None else specs)
    }


def build_all(
    client: Any,
    root: Path,
    workdir: Path,
    say: Say,
    specs: Sequence[ImageSpec] | None = None,
) -> list[Built]:
    """Every image of `specs` (default: the infrastructure and all of the lab's apps)."""
    wanted = image_specs(builtin_catalog()) if specs is None else specs
    for spec in wanted:
        ensure_lock(root, spec, say)
    base = ensure_base(client, workdir, say)
    return [_ensure(client, spec, root, workdir, base.id, say) for spec in wanted]


def ensure_lock(root: Path, spec: ImageSpec, say: Say) -> None:
    """A user's app folder without a lock gets one, resolved for the image's Python."""
    if spec.lock is None or spec.origin is None:
        return
    lock = spec.source(root, spec.lock)
    if lock.is_file():
        return
    requirements = lock.with_name("requirements.in")
    if not requirements.is_file():
        raise BuildFailed(
            f"app folder {spec.origin} has neither requirements.lock nor requirements.in",
            "list the app's packages in requirements.in (the server's included)",
        )
    say(f"{spec.name}: locking {requirements} for Python {IMAGE_PYTHON_EXACT} into {lock}")
    host.compile_lock(requirements, lock, IMAGE_PYTHON_EXACT)


def locked_versions(spec: ImageSpec, lock_text: str) -> str:
    """`fastapi==0.1, uvicorn==0.2`: the locked versions of the packages the spec names."""
    try:
        return locks.locked_versions(spec.versions_of, lock_text)
    except LockError as exc:
        raise BuildFailed(
            f"the lock of {spec.name} is not usable: {exc}", "run `make lock`"
        ) from exc


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
    labels = {
        MANAGED: "true",
        IMAGE_NAME: spec.name,
        INPUTS_HASH: digest,
        BASE_ID: base_id,
        LAB_VERSION: __version__,
    }
    if spec.lock:
        lock_hash = sha256_hex(contents[spec.lock])
        files.update(_wheels(root, workdir, spec, say))
        labels[VERSIONS] = locked_versions(spec, contents[spec.lock].decode())
    labels[LOCK_HASH] = lock_hash or "none"
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
    lock = spec.source(root, spec.lock)
    lock_hash = sha256_hex(lock.read_bytes())
    if marker.is_file() and marker.read_text().strip() == lock_hash:
        return folder
    # The lock where it is: a user's folder is apps/<name>/ only inside the build context.
    say(f"  downloading the wheels of {lock} on the host into {folder}")
    partial = folder.with_name(f"{spec.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    host.download_wheels(lock, partial, wheel_platforms(platform.machine()), IMAGE_PYTHON)
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
        buildargs={"BASE": BASE_IMAGE, **dict(spec.buildargs)},
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
