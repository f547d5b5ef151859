"""`lab bundle`: carry the exact image bytes of a run (or of the build) to another engine.

`save` exports every image in one `docker save` stream, so shared layers are stored
once, and wraps it with a manifest in a tar written atomically. `load` checks the
archive's sha256 before the engine sees a byte, streams it in, then checks every
image ID and re-applies every tag. Nothing here holds the archive in memory.
"""

from __future__ import annotations

import datetime
import hashlib
import tarfile
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import docker.errors
import requests

from lab import __version__
from lab.errors import LabError, UsageError
from lab.images.build import Say, build_all
from lab.images.manifest import (
    ARCHIVE_NAME,
    BASE_NAME,
    CHUNK,
    Archive,
    BundleImage,
    Manifest,
    check_bundle,
    images_from_provenance,
    latest_of,
    split_tag,
    write_bundle_tar,
)
from lab.images.specs import BASE_IMAGE, short_id
from lab.results.reader import read_run_document
from lab.results.store import atomic_file

ENGINE_HINT = "check the engine's log; `docker info` should answer"


@dataclass(frozen=True, slots=True)
class Loaded:
    manifest: Manifest
    moved: tuple[tuple[str, str], ...]  # (tag, the ID it named before the load)


def images_of_build(client: Any, root: Path, workdir: Path, say: Say) -> list[BundleImage]:
    """The base image and the current build's images (built first if their inputs changed)."""
    built = build_all(client, root, workdir, say)
    base = client.images.get(BASE_IMAGE)
    images = [BundleImage(BASE_NAME, (BASE_IMAGE,), base.id, dict(base.labels or {}))]
    for item in built:
        labels = dict(client.images.get(item.image_id).labels or {})
        tags = (item.tag, latest_of(item.tag))
        images.append(BundleImage(item.name, tags, item.image_id, labels))
    return images


def images_of_run(client: Any, run_dir: Path) -> tuple[list[BundleImage], dict[str, Any]]:
    """The images a run recorded, each known to be on this engine; and the bundle's source."""
    run = read_run_document(run_dir)
    images = images_from_provenance(run.provenance or {}, run_dir / "run.json")
    missing = []
    for image in images:
        try:
            client.images.get(image.image_id)
        except docker.errors.ImageNotFound:
            missing.append(f"{image.name} {short_id(image.image_id)} ({image.tags[0]})")
    if missing:
        raise UsageError(
            f"--run {run_dir}: this engine does not hold {', '.join(missing)}",
            "save on the engine that ran it, or load a bundle that holds these images",
        )
    return images, {"run_id": run.run_id, "run_dir": str(run_dir)}


def save_bundle(
    client: Any, path: Path, images: Sequence[BundleImage], source: Mapping[str, Any]
) -> Manifest:
    """Write the bundle of `images` to `path` atomically; its manifest."""
    if not path.parent.is_dir():
        raise UsageError(f"{path}: folder {path.parent} does not exist", "create it first")
    ids = list(dict.fromkeys(image.image_id for image in images))
    try:
        # The export is staged first: the manifest needs its hash and size up front.
        with tempfile.TemporaryFile(dir=path.parent) as archive:
            sha256, size = _export(client, ids, archive)
            created = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
            archive_info = Archive(ARCHIVE_NAME, sha256, size)
            manifest = Manifest(created, __version__, source, tuple(images), archive_info)
            archive.seek(0)
            with atomic_file(path, "wb") as bundle:
                write_bundle_tar(bundle, manifest, archive)
    except OSError as exc:
        raise UsageError(
            f"{path}: cannot write it: {exc.strerror or exc}",
            "choose a FILE in a folder you can write to, with room for the images",
        ) from exc
    return manifest


def _export(client: Any, ids: list[str], archive: IO[bytes]) -> tuple[str, int]:
    """One `docker save` of every ID (the engine's /images/get), streamed to `archive`."""
    api = client.api
    url = f"{api.base_url}/v{api.api_version}/images/get"
    digest, size = hashlib.sha256(), 0
    try:
        with api.get(url, params={"names": ids}, stream=True, timeout=api.timeout) as response:
            if response.status_code != 200:
                reason = _engine_message(response)
                raise LabError(
                    f"the engine refused to export the images: HTTP {response.status_code} "
                    f"{reason}",
                    ENGINE_HINT,
                )
            for chunk in response.iter_content(CHUNK):
                digest.update(chunk)
                archive.write(chunk)
                size += len(chunk)
    except requests.RequestException as exc:
        raise LabError(f"exporting the images broke off: {exc}", ENGINE_HINT) from exc
    return digest.hexdigest(), size


def _engine_message(response: requests.Response) -> str:
    try:
        return str(response.json()["message"])[:300]
    except (ValueError, KeyError, TypeError):
        return response.text.strip()[:300]


def load_bundle(client: Any, path: Path) -> Loaded:
    """Check the bundle, stream its images into the engine, check their IDs, re-apply tags."""
    manifest = check_bundle(path)
    with tarfile.open(path, mode="r:") as tar:
        stream = tar.extractfile(ARCHIVE_NAME)
        assert stream is not None  # check_bundle saw a regular file
        try:
            for message in client.api.load_image(stream):
                if "error" in message:
                    raise LabError(
                        f"{path}: the engine refused it: {message['error']}", ENGINE_HINT
                    )
        except (docker.errors.APIError, requests.RequestException) as exc:
            raise LabError(f"{path}: the engine refused it: {exc}", ENGINE_HINT) from exc
    loaded, missing = [], []
    for image in manifest.images:
        try:
            loaded.append((image, client.images.get(image.image_id)))
        except docker.errors.ImageNotFound:
            missing.append(f"{image.name} {short_id(image.image_id)}")
    if missing:
        raise UsageError(
            f"{path}: after the load the engine lacks {', '.join(missing)}: "
            f"its {ARCHIVE_NAME} does not hold what its manifest lists",
            "save the bundle again",
        )
    moved = []
    for image, held in loaded:
        for tag in image.tags:
            before = _named(client, tag)
            if before is not None and before != image.image_id:
                moved.append((tag, before))
            held.tag(*split_tag(tag))
    return Loaded(manifest, tuple(moved))


def _named(client: Any, tag: str) -> str | None:
    try:
        return str(client.images.get(tag).id)
    except docker.errors.ImageNotFound:
        return None
