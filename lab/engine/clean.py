"""`lab clean`: remove what the lab left on the engine, found by label only."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, TypeVar

import docker.errors

from lab.images.labels import IMAGE_NAME, MANAGED_FILTER

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Removed:
    containers: int
    networks: int
    images: int


def remove_labelled(client: Any, labels: list[str]) -> tuple[int, int]:
    """Remove every container, then every network, carrying all of `labels`.

    Containers go first, all at once: a network cannot go while a container is on it,
    and one by one a busy engine takes seconds each (an interrupted run waits for this).
    Each is killed before it is removed, so nothing in it runs on while the engine
    tears it down. One already gone counts too. Returns (containers, networks).
    """
    selector = {"label": labels}
    containers = client.containers.list(all=True, filters=selector)
    _all_at_once(_kill_and_remove, containers)
    networks = client.networks.list(filters=selector)
    _all_at_once(_remove_network, networks)
    return len(containers), len(networks)


def _kill_and_remove(container: Any) -> None:
    with contextlib.suppress(docker.errors.APIError):  # not running, or gone already
        container.kill()
    with contextlib.suppress(docker.errors.NotFound):
        container.remove(force=True)


def _remove_network(network: Any) -> None:
    with contextlib.suppress(docker.errors.NotFound):
        network.remove()


def _all_at_once(action: Callable[[Any], None], items: Sequence[Any]) -> None:
    """`action` on every item side by side; the first failure is raised once all ended."""
    if not items:
        return
    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        futures = [pool.submit(action, item) for item in items]
    for future in futures:
        future.result()


def finished_despite_ctrl_c(work: Callable[[], T]) -> T:
    """`work`'s result, waited for to the end even through Ctrl-C, which is raised after.

    `work` runs in a thread of its own, so that the interrupt reaches only this waiting.
    """
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(work)
    interrupted = False
    while True:
        try:
            pool.shutdown(wait=False)
            wait([future])
            break
        except KeyboardInterrupt:
            interrupted = True
    if interrupted:
        raise KeyboardInterrupt
    return future.result()


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
