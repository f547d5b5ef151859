"""`lab clean` removes what carries the lab's label, and only that."""

from __future__ import annotations

import io
import tarfile
from typing import Any

from lab.images.labels import MANAGED_FILTER
from tests.integration.conftest import lab


def test_clean_removes_labelled_containers_and_networks_and_counts_them(
    docker_client: Any, images: dict[str, str]
) -> None:
    network = docker_client.networks.create(
        "lab-clean-test", internal=True, labels={"lab.managed": "true"}
    )
    docker_client.containers.create(
        images["redis"], name="lab-clean-test", labels={"lab.managed": "true"}
    )
    # Containers inherit their image's labels, so the stranger needs an image of its
    # own: an empty one, imported, with no lab label.
    empty = io.BytesIO()
    tarfile.open(fileobj=empty, mode="w").close()
    docker_client.api.import_image_from_data(empty.getvalue(), repository="lab-test/empty")
    stranger = docker_client.containers.create("lab-test/empty", ["none"], name="not-the-labs")
    # `lab clean` removes everything the label marks, so it counts whatever of the lab's
    # the engine held besides this test's two (another checkout's suite on the same
    # engine, say): the count is checked against the engine, not assumed to be one.
    containers = len(docker_client.containers.list(all=True, filters={"label": MANAGED_FILTER}))
    networks = len(docker_client.networks.list(filters={"label": MANAGED_FILTER}))
    assert containers >= 1 and networks >= 1
    try:
        done = lab("clean")
        assert done.returncode == 0, done.stderr
        assert f"removed {containers} containers, {networks} networks, 0 images" in done.stdout
        assert docker_client.containers.list(all=True, filters={"label": MANAGED_FILTER}) == []
        assert docker_client.networks.list(filters={"label": MANAGED_FILTER}) == []
        assert docker_client.containers.list(all=True, filters={"name": "lab-clean-test"}) == []
        assert docker_client.networks.list(names=[network.name]) == []
        stranger.reload()  # still there: it does not carry the label
    finally:
        stranger.remove(force=True)
        docker_client.images.remove("lab-test/empty", force=True)
