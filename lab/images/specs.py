"""The images the lab builds, and the content hash that names each one.

An image's tag is a hash of every input that can change its bytes: its Dockerfile,
the files copied into it, its lock and the base image's ID. Same inputs, same tag:
an image that exists under its tag is never rebuilt.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

BASE_REPOSITORY = "lab/base"
BASE_TAG = "bookworm"
BASE_IMAGE = f"{BASE_REPOSITORY}:{BASE_TAG}"
HASH_SCHEME = "lab-image-inputs/1"

# The base image's interpreter and C library, which decide which wheels fit it.
IMAGE_PYTHON = "3.11"
IMAGE_GLIBC_MINOR = 36


@dataclass(frozen=True, slots=True)
class ImageSpec:
    name: str
    dockerfile: str
    files: tuple[str, ...]
    lock: str | None = None

    @property
    def repository(self) -> str:
        return f"lab/{self.name}"

    @property
    def inputs(self) -> tuple[str, ...]:
        """Every project file that goes into the build context."""
        lock = (self.lock,) if self.lock else ()
        return (self.dockerfile, *self.files, *lock)


IMAGES: tuple[ImageSpec, ...] = (
    ImageSpec("redis", "Dockerfile.redis", ("images/redis/redis.conf",)),
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
    ImageSpec(
        "flask",
        "Dockerfile.flask",
        ("apps/gunicorn.conf.py", "apps/flask/app.py"),
        lock="apps/flask/requirements.lock",
    ),
    ImageSpec(
        "aio",
        "Dockerfile.aio",
        ("apps/gunicorn.conf.py", "apps/aio/app.py"),
        lock="apps/aio/requirements.lock",
    ),
)


def spec_named(name: str) -> ImageSpec:
    for spec in IMAGES:
        if spec.name == name:
            return spec
    known = ", ".join(spec.name for spec in IMAGES)
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
