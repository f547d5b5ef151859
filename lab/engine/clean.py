"""`lab clean`: remove what the lab left on the engine, found by label only."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import docker.errors

from lab.images.labels import IMAGE_NAME, MANAGED_FILTER


@dataclass(frozen=True, slots=True)
class Removed:
    containers: int
    networks: int
    images: int


def remove_labelled(client: Any, labels: list[str]) -> tuple[int, int]:
    """Remove every container, then every network, carrying all of `labels`.

    Containers go first: a network cannot go while a container is on it. One already
    gone counts too. Returns (containers, networks).
    """
    selector = {"label": labels}
    containers = client.containers.list(all=True, filters=selector)
    for container in containers:
        with contextlib.suppress(docker.errors.NotFound):
            container.remove(force=True)
    networks = client.networks.list(filters=selector)
    for network in networks:
        with contextlib.suppress(docker.errors.NotFound):
            network.remove()
    return len(containers), len(networks)


def remove_managed(client: Any, images: bool = False) -> Removed:
    containers, networks = remove_labelled(client, [MANAGED_FILTER])
    removed_images = 0
    if images:
        # Apps first, the base last: an image cannot go while another is built on it.
        found = client.images.list(filters={"label": MANAGED_FILTER})
        found.sort(key=lambda image: image.labels.get(IMAGE_NAME) == "base")
        for image in found:
            with contextlib.suppress(docker.errors.NotFound):
                client.images.remove(image.id, force=True)
                removed_images += 1
    return Removed(containers, networks, removed_images)
