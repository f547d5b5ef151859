"""The base image `lab/base:bookworm`: Debian 12 with its python3, made without a registry.

Where a registry answers, it is `debian:bookworm-slim` plus python3. Where none
does, it is bootstrapped with `debootstrap --variant=minbase` from the host's own
Debian mirror and imported: the way Debian's official images are made. Either
way its labels say how it was made.
"""

from __future__ import annotations

import datetime
import io
import re
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import docker.errors

from lab.errors import BuildFailed
from lab.images import host
from lab.images.context import tar_context
from lab.images.labels import BASE_CREATED, BASE_ORIGIN, BASE_SOURCE, BASE_SUITE, managed
from lab.images.specs import BASE_IMAGE, BASE_REPOSITORY, BASE_TAG

SUITE = "bookworm"
PACKAGES = ("python3", "python3-venv", "ca-certificates")
DEFAULT_MIRROR = "http://deb.debian.org/debian"
REGISTRY_IMAGE = ("debian", "bookworm-slim")

Say = Callable[[str], None]


def mirror_from_sources(texts: Iterable[str], suite: str = SUITE) -> str:
    """The host's Debian mirror for `suite`, from apt's sources (deb822 or one-line form).

    Only plain HTTP qualifies: containers do not trust the host's extra certificate
    authorities, and apt inside a build must reach the same mirror.
    """
    for text in texts:
        for uri, suites in _source_entries(text):
            if suite in suites and uri.startswith("http://") and "security" not in uri:
                return uri.rstrip("/")
    return DEFAULT_MIRROR


def _source_entries(text: str) -> list[tuple[str, tuple[str, ...]]]:
    entries: list[tuple[str, tuple[str, ...]]] = []
    for line in text.splitlines():
        match = re.match(r"^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)", line)
        if match:
            entries.append((match.group(1), (match.group(2),)))
    for stanza in re.split(r"\n\s*\n", text):
        fields = dict(re.findall(r"^([A-Za-z-]+):\s*(.*)$", stanza, flags=re.MULTILINE))
        if "deb" in fields.get("Types", "").split() and "URIs" in fields:
            suites = tuple(fields.get("Suites", "").split())
            entries += [(uri, suites) for uri in fields["URIs"].split()]
    return entries


def host_mirror() -> str:
    paths = [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]
    texts = [p.read_text(errors="replace") for p in paths if p.is_file()]
    return mirror_from_sources(texts)


def base_labels(source: str, origin: str, created: str) -> dict[str, str]:
    return {
        **managed(image="base"),
        BASE_SOURCE: source,
        BASE_SUITE: SUITE,
        BASE_ORIGIN: origin,
        BASE_CREATED: created,
    }


def ensure_base(client: Any, workdir: Path, say: Say, today: str | None = None) -> Any:
    """The base image, made only when it is missing."""
    try:
        return client.images.get(BASE_IMAGE)
    except docker.errors.ImageNotFound:
        pass
    created = today or datetime.date.today().isoformat()
    try:
        pulled = client.images.pull(*REGISTRY_IMAGE)
    except docker.errors.APIError as exc:
        say(f"base: no registry answers ({str(exc).splitlines()[0][:100]}); using debootstrap")
        return _from_debootstrap(client, workdir, say, created)
    return _from_registry(client, pulled, say, created)


def _from_registry(client: Any, pulled: Any, say: Say, created: str) -> Any:
    digest = (pulled.attrs.get("RepoDigests") or [pulled.id])[0]
    say(f"base: building on {digest}")
    dockerfile = (
        f"FROM {':'.join(REGISTRY_IMAGE)}\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends "
        f"{' '.join(PACKAGES)} && rm -rf /var/lib/apt/lists/*\n"
    )
    context = tar_context({"Dockerfile": dockerfile.encode()})
    try:
        image, _ = client.images.build(
            fileobj=io.BytesIO(context),
            custom_context=True,
            tag=BASE_IMAGE,
            labels=base_labels("registry", digest, created),
            rm=True,
            forcerm=True,
        )
    except docker.errors.BuildError as exc:
        lines = tuple(str(c.get("stream", c.get("error", ""))).rstrip() for c in exc.build_log)
        raise BuildFailed("building the base image failed", str(exc), lines[-15:]) from exc
    return image


def _from_debootstrap(client: Any, workdir: Path, say: Say, created: str) -> Any:
    host.ensure_debootstrap()
    mirror = host_mirror()
    rootfs = workdir / "base" / "rootfs"
    archive = workdir / "base" / "rootfs.tar"
    say(f"base: debootstrap --variant=minbase {SUITE} from {mirror} (about a minute)")
    try:
        host.debootstrap(rootfs, SUITE, mirror, PACKAGES)
        _prepare_rootfs(rootfs)
        host.tar_directory(rootfs, archive)
        labels = base_labels("debootstrap", mirror, created)
        changes = [
            "LABEL " + " ".join(f'{key}="{value}"' for key, value in labels.items()),
            "ENV LANG=C.UTF-8",
            'CMD ["/bin/bash"]',
        ]
        say(f"base: importing {archive.stat().st_size // 2**20} MiB as {BASE_IMAGE}")
        client.api.import_image_from_file(
            str(archive), repository=BASE_REPOSITORY, tag=BASE_TAG, changes=changes
        )
    finally:
        shutil.rmtree(rootfs, ignore_errors=True)
        archive.unlink(missing_ok=True)
    return client.images.get(BASE_IMAGE)


def _prepare_rootfs(rootfs: Path) -> None:
    """What Debian's own container images add to a minbase tree."""
    policy = rootfs / "usr/sbin/policy-rc.d"
    # No init system runs in a container: packages must not try to start services.
    policy.write_text("#!/bin/sh\nexit 101\n")
    policy.chmod(0o755)
    (rootfs / "etc/apt/apt.conf.d/90lab").write_text(
        'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n'
    )
    for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
        for item in (rootfs / cache).glob("*"):
            if item.is_file() and item.name != "lock":
                item.unlink()
