"""The bundle file and its manifest: written, read and checked without an engine.

A bundle is an uncompressed tar of `manifest.json` then `images.tar` (one `docker
save` stream of every image). The manifest names each image by ID with the tags to
give it on the receiving engine, and the archive's size and sha256, so a damaged
bundle is refused before the engine sees a byte of it.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import re
import tarfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from lab.errors import UsageError
from lab.results.schema import BUNDLE_KIND, BUNDLE_SCHEMA_VERSION

MANIFEST_NAME = "manifest.json"
ARCHIVE_NAME = "images.tar"
BASE_NAME = "base"

CHUNK = 1 << 20
MAX_MANIFEST_BYTES = 1 << 24

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_IMAGE_ID = re.compile(r"^sha256:[0-9a-f]{64}$")
DAMAGED_HINT = "give a file made by `python -m lab bundle save`; if it is one, copy it again"


@dataclass(frozen=True, slots=True)
class BundleImage:
    name: str
    tags: tuple[str, ...]
    image_id: str
    labels: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "tags": list(self.tags),
            "id": self.image_id,
            "labels": dict(self.labels),
        }


@dataclass(frozen=True, slots=True)
class Archive:
    name: str
    sha256: str
    size: int

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "sha256": self.sha256, "bytes": self.size}


@dataclass(frozen=True, slots=True)
class Manifest:
    created_at: str
    lab_version: str
    source: Mapping[str, Any]
    images: tuple[BundleImage, ...]
    archive: Archive

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": BUNDLE_SCHEMA_VERSION,
            "kind": BUNDLE_KIND,
            "created_at": self.created_at,
            "lab_version": self.lab_version,
            "source": dict(self.source),
            "images": [image.to_dict() for image in self.images],
            "archive": self.archive.to_dict(),
        }


def split_tag(tag: str) -> tuple[str, str]:
    """`lab/flask:abc` → (`lab/flask`, `abc`); a registry's port is not a tag."""
    repository, sep, name = tag.rpartition(":")
    if not sep or not repository or not name or "/" in name:
        raise ValueError(f"{tag!r} is not REPOSITORY:TAG")
    return repository, name


def latest_of(tag: str) -> str:
    return f"{split_tag(tag)[0]}:latest"


def images_from_provenance(provenance: Mapping[str, Any], where: Path) -> list[BundleImage]:
    """The base image and the app images a run's run.json records, base first."""
    base = provenance.get("base_image")
    apps = provenance.get("images")
    if not isinstance(base, Mapping) or not isinstance(apps, Mapping) or not apps:
        raise UsageError(
            f"{where}: no provenance.images and provenance.base_image recorded",
            "give a run made by `python -m lab run`, or save the current build without --run",
        )
    images = [_recorded(BASE_NAME, base, where, with_latest=False)]
    images += [_recorded(str(name), data, where, with_latest=True) for name, data in apps.items()]
    return images


def _recorded(name: str, data: Any, where: Path, with_latest: bool) -> BundleImage:
    tag = data.get("tag") if isinstance(data, Mapping) else None
    image_id = data.get("id") if isinstance(data, Mapping) else None
    if not isinstance(tag, str) or not isinstance(image_id, str) or not _IMAGE_ID.match(image_id):
        raise UsageError(
            f"{where}: provenance of image {name} has no valid tag and id", "the file is damaged"
        )
    labels = data.get("labels") or {}
    tags = (tag, latest_of(tag)) if with_latest and latest_of(tag) != tag else (tag,)
    return BundleImage(name, tags, image_id, {str(k): str(v) for k, v in labels.items()})


def parse_manifest(data: Any, bundle: Path) -> Manifest:
    """The manifest in decoded JSON, or UsageError naming the bundle and the bad key."""

    def bad(what: str) -> UsageError:
        return UsageError(f"{bundle}: {MANIFEST_NAME}: {what}", DAMAGED_HINT)

    if not isinstance(data, dict):
        raise bad("not a JSON object")
    if data.get("kind") != BUNDLE_KIND:
        raise bad(f"kind is {data.get('kind')!r}, not {BUNDLE_KIND!r}: not a lab bundle")
    if data.get("schema_version") != BUNDLE_SCHEMA_VERSION:
        raise UsageError(
            f"{bundle}: {MANIFEST_NAME}: schema_version {data.get('schema_version')!r}, "
            f"this lab reads {BUNDLE_SCHEMA_VERSION}",
            "load it with the lab version that saved it",
        )
    for key in ("created_at", "lab_version"):
        if not isinstance(data.get(key), str):
            raise bad(f"{key} is missing or not a string")
    if not isinstance(data.get("source"), dict):
        raise bad("source is missing or not an object")
    raw_images = data.get("images")
    if not isinstance(raw_images, list) or not raw_images:
        raise bad("images is missing or empty")
    images = tuple(_image(item, f"images[{n}]", bad) for n, item in enumerate(raw_images))
    archive = data.get("archive")
    if not isinstance(archive, dict):
        raise bad("archive is missing or not an object")
    name, sha, size = archive.get("name"), archive.get("sha256"), archive.get("bytes")
    if name != ARCHIVE_NAME:
        raise bad(f"archive.name is {name!r}, not {ARCHIVE_NAME!r}")
    if not isinstance(sha, str) or not _SHA256.match(sha):
        raise bad(f"archive.sha256 {sha!r} is not a sha256 in hex")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise bad(f"archive.bytes {size!r} is not a size in bytes")
    return Manifest(
        data["created_at"], data["lab_version"], data["source"], images, Archive(name, sha, size)
    )


def _image(item: Any, where: str, bad: Callable[[str], UsageError]) -> BundleImage:
    if not isinstance(item, dict):
        raise bad(f"{where} is not an object")
    name, tags, image_id, labels = (item.get(k) for k in ("name", "tags", "id", "labels"))
    if not isinstance(name, str) or not name:
        raise bad(f"{where}.name is missing")
    if not isinstance(image_id, str) or not _IMAGE_ID.match(image_id):
        raise bad(f"{where}.id {image_id!r} is not an image ID (sha256:<64 hex>)")
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise bad(f"{where}.tags is not a list of strings")
    for tag in tags:
        try:
            split_tag(tag)
        except ValueError as exc:
            raise bad(f"{where}.tags: {exc}") from exc
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        raise bad(f"{where}.labels is not an object of strings")
    return BundleImage(name, tuple(tags), image_id, labels)


def write_bundle_tar(bundle: IO[bytes], manifest: Manifest, archive: IO[bytes]) -> None:
    body = json.dumps(manifest.to_dict(), indent=2).encode() + b"\n"
    # The members carry the manifest's time, so the same manifest gives the same bytes.
    mtime = int(datetime.datetime.fromisoformat(manifest.created_at).timestamp())
    with tarfile.TarFile(
        fileobj=bundle, mode="w", format=tarfile.PAX_FORMAT, copybufsize=CHUNK
    ) as tar:
        for name, size, data in (
            (MANIFEST_NAME, len(body), io.BytesIO(body)),
            (ARCHIVE_NAME, manifest.archive.size, archive),
        ):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = size, mtime, 0o644
            tar.addfile(info, data)


def check_bundle(path: Path) -> Manifest:
    """The manifest of a sound bundle; UsageError naming `path` and what is wrong. No engine."""
    try:
        with tarfile.open(path, mode="r:") as tar:
            members = _members(tar, path)
            manifest = _read_manifest(tar, members, path)
            archive = _archive_member(members, manifest, path)
            _check_digest(tar, archive, manifest, path)
    except tarfile.ReadError as exc:
        raise UsageError(f"{path}: not a tar archive ({exc})", DAMAGED_HINT) from exc
    except OSError as exc:
        raise UsageError(
            f"{path}: cannot read it: {exc.strerror or exc}",
            "give a file made by `python -m lab bundle save`",
        ) from exc
    return manifest


def _members(tar: tarfile.TarFile, path: Path) -> dict[str, tarfile.TarInfo]:
    members: dict[str, tarfile.TarInfo] = {}
    try:
        for member in tar:
            members.setdefault(member.name, member)
    except tarfile.TarError as exc:
        raise UsageError(f"{path}: the tar is cut short or damaged ({exc})", DAMAGED_HINT) from exc
    return members


def _read_manifest(
    tar: tarfile.TarFile, members: Mapping[str, tarfile.TarInfo], path: Path
) -> Manifest:
    member = members.get(MANIFEST_NAME)
    if member is None or not member.isfile():
        found = ", ".join(sorted(members)) or "nothing"
        raise UsageError(f"{path}: no {MANIFEST_NAME} in it (it holds {found})", DAMAGED_HINT)
    if member.size > MAX_MANIFEST_BYTES:
        raise UsageError(
            f"{path}: {MANIFEST_NAME} is {member.size} bytes, too large for a manifest",
            DAMAGED_HINT,
        )
    stream = tar.extractfile(member)
    assert stream is not None  # a regular file
    try:
        data = json.loads(stream.read())
    except (ValueError, tarfile.ReadError) as exc:
        raise UsageError(f"{path}: {MANIFEST_NAME} is not JSON ({exc})", DAMAGED_HINT) from exc
    return parse_manifest(data, path)


def _archive_member(
    members: Mapping[str, tarfile.TarInfo], manifest: Manifest, path: Path
) -> tarfile.TarInfo:
    member = members.get(ARCHIVE_NAME)
    if member is None or not member.isfile():
        raise UsageError(f"{path}: no {ARCHIVE_NAME} in it", DAMAGED_HINT)
    present = path.stat().st_size - member.offset_data
    if present < member.size:
        raise UsageError(
            f"{path}: {ARCHIVE_NAME} is cut short: {max(present, 0)} of {member.size} bytes",
            "copy the bundle again",
        )
    if member.size != manifest.archive.size:
        raise UsageError(
            f"{path}: {ARCHIVE_NAME} is {member.size} bytes, the manifest says "
            f"{manifest.archive.size}",
            DAMAGED_HINT,
        )
    return member


def _check_digest(
    tar: tarfile.TarFile, member: tarfile.TarInfo, manifest: Manifest, path: Path
) -> None:
    digest = hashlib.sha256()
    stream = tar.extractfile(member)
    assert stream is not None  # a regular file
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
    if digest.hexdigest() != manifest.archive.sha256:
        raise UsageError(
            f"{path}: {ARCHIVE_NAME} has sha256 {digest.hexdigest()[:16]}…, the manifest says "
            f"{manifest.archive.sha256[:16]}…: the bundle was altered or damaged",
            "copy the bundle again; nothing was loaded",
        )
