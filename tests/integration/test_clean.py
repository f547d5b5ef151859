"""`lab clean` removes what carries the lab's label, and only that."""

from __future__ import annotations

import io
import tarfile
from typing import Any

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
    try:
        done = lab("clean")
        assert done.returncode == 0, done.stderr
        assert "removed 1 containers, 1 networks, 0 images" in done.stdout
        assert docker_client.containers.list(all=True, filters={"name": "lab-clean-test"}) == []
        assert docker_client.networks.list(names=[network.name]) == []
        stranger.reload()  # still there: it does not carry the label
    finally:
        stranger.remove(force=True)
        docker_client.images.remove("lab-test/empty", force=True)
