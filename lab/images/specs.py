"""The images the lab builds, and the content hash that names each one.

An image's tag is a hash of every input that can change its bytes: its Dockerfile,
the files copied into it, its lock and the base image's ID. Same inputs, same tag:
an image that exists under its tag is never rebuilt.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from lab.model.appfolder import SHARED_DOCKERFILE, AppFolder
from lab.model.catalog import Catalog
from lab.model.versions import VersionEntry

BASE_REPOSITORY = "lab/base"
BASE_TAG = "bookworm"
BASE_IMAGE = f"{BASE_REPOSITORY}:{BASE_TAG}"
HASH_SCHEME = "lab-image-inputs/1"

# The base image's interpreter and C library, which decide which wheels fit it.
IMAGE_PYTHON = "3.11"
# Its exact version, for which locks are resolved (Debian 12's python3): markers such as
# redis's `python_full_version < "3.11.3"` differ from the host's.
IMAGE_PYTHON_EXACT = "3.11.2"
IMAGE_GLIBC_MINOR = 36


# Every app image has these, whatever its server, beside its app as /app/<name>.
GUNICORN_CONFIG = "apps/gunicorn.conf.py"
PAYLOAD = "apps/payload.json"  # the json scenario's object, which every app loads at import
SHARED_FILES = (GUNICORN_CONFIG, PAYLOAD)


@dataclass(frozen=True, slots=True)
class ImageSpec:
    """An image: its Dockerfile and the files of its build context, as context paths.

    An app folder outside the checkout (`origin`) appears in the context as
    `apps/<name>/`, like the lab's own, so one Dockerfile.app builds both.
    """

    name: str
    dockerfile: str
    files: tuple[str, ...]
    lock: str | None = None
    buildargs: tuple[tuple[str, str], ...] = ()
    origin: str | None = None
    # Packages whose locked versions the image's labels record: framework, then servers
    # (and a version's pinned package).
    versions_of: tuple[str, ...] = ()
    # The app folder's place in the context, apps/<folder>/, when not the image's name:
    # a folder at another version sits where its source does (model.versions).
    folder: str | None = None

    @property
    def repository(self) -> str:
        return f"lab/{self.name}"

    @property
    def inputs(self) -> tuple[str, ...]:
        """Every file that goes into the build context."""
        lock = (self.lock,) if self.lock else ()
        return (self.dockerfile, *self.files, *lock)

    def source(self, root: Path, context_path: str) -> Path:
        """Where a context path's bytes are read from: the checkout, or the user's folder."""
        prefix = f"apps/{self.folder or self.name}/"
        if self.origin is not None and context_path.startswith(prefix):
            return Path(self.origin) / context_path[len(prefix) :]
        return root / context_path


def app_image(folder: AppFolder) -> ImageSpec:
    """The image of an app folder: its own top-level Dockerfile, or the shared one.

    A folder at another version is built exactly as its source is: the same Dockerfile,
    its files at the same context paths; only its name and its files' bytes differ.
    """
    context = folder.context_name
    prefix = f"apps/{context}/"
    lock = f"{prefix}requirements.lock"
    servers = sorted({app.server.name for app in folder.apps})
    versions_of = [folder.framework, *(s for s in servers if s != folder.framework)]
    if folder.derivation is not None:
        pin = VersionEntry(folder.derivation.base, folder.derivation.spec)
        versions_of += [pin.package] if pin.is_pin and pin.package not in versions_of else []
    return ImageSpec(
        name=folder.name,
        dockerfile=folder.dockerfile,
        files=(*SHARED_FILES, *(prefix + f for f in folder.files if prefix + f != lock)),
        lock=lock,
        buildargs=(("APP", context),) if folder.dockerfile == SHARED_DOCKERFILE else (),
        origin=str(folder.path) if folder.external else None,
        versions_of=tuple(versions_of),
        folder=context if context != folder.name else None,
    )


def image_specs(catalog: Catalog, images: Iterable[str] | None = None) -> tuple[ImageSpec, ...]:
    """The infrastructure's images, then the app folders' (those named by `images`)."""
    wanted = None if images is None else set(images)
    apps = tuple(
        app_image(folder)
        for folder in catalog.folders
        if (folder.name in wanted if wanted is not None else not folder.external)
    )
    return (*INFRASTRUCTURE, *apps)


INFRASTRUCTURE: tuple[ImageSpec, ...] = (
    ImageSpec("redis", "Dockerfile.redis", ("images/redis/redis.conf",)),
    ImageSpec(
        "postgres",
        "Dockerfile.postgres",
        (
            "images/postgres/postgresql.conf",
            "images/postgres/pg_hba.conf",
            "images/postgres/start.sh",
        ),
    ),
    ImageSpec(
        "wrk",
        "Dockerfile.wrk",
        (
            "images/wrk/report.lua",
            "images/wrk/probe.py",
            "images/openload/openload.c",
            "images/openload/build.sh",
        ),
    ),
    ImageSpec("nginx", "Dockerfile.nginx", ("images/nginx/nginx.conf",)),
)


def spec_named(name: str, catalog: Catalog) -> ImageSpec:
    specs = image_specs(catalog, [folder.name for folder in catalog.folders])
    for spec in specs:
        if spec.name == name:
            return spec
    known = ", ".join(spec.name for spec in specs)
    raise KeyError(f"unknown image {name!r} (known: {known})")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def inputs_hash(spec: ImageSpec, contents: Mapping[str, bytes], base_id: str) -> str:
    """The content hash of an image's inputs; `contents` maps each input path to its bytes."""
    missing = [path for path in spec.inputs if path not in contents]
    if missing:
        raise KeyError(f"inputs of {spec.name} not given: {', '.join(missing)}")
    lines = [HASH_SCHEME, f"image {spec.name}", f"base {base_id}"]
    lines += [f"file {path} {sha256_hex(contents[path])}" for path in sorted(spec.inputs)]
    return sha256_hex("\n".join(lines).encode())


def short_id(image_id: str) -> str:
    """`sha256:0123456789ab…` → `0123456789ab`: the 12 hex digits `docker images` shows."""
    return image_id[len("sha256:") :][:12]


def image_tag(spec: ImageSpec, digest: str) -> str:
    return f"{spec.repository}:{digest[:16]}"


def wheel_platforms(machine: str) -> tuple[str, ...]:
    """pip `--platform` tags for the base image's glibc; pip does not expand them itself."""
    tags = [f"manylinux_2_{minor}_{machine}" for minor in range(IMAGE_GLIBC_MINOR, 16, -1)]
    tags.append(f"manylinux2014_{machine}")
    if machine in ("x86_64", "i686"):
        tags += [f"manylinux2010_{machine}", f"manylinux1_{machine}"]
    return tuple(tags)
