"""The port's real side: docker-py clients behind `Engine`, one per role's engine."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import docker.errors

from lab.engine.client import engine_errors, engine_facts
from lab.engine.engines import Engines
from lab.engine.port import BRIDGE, DatabaseSpec, ImageFacts, ImageMissing, NetworkPath
from lab.engine.stack import RunStack
from lab.images.build import Built, build_all
from lab.images.specs import ImageSpec
from lab.images.transfer import copy_images
from lab.model.placement import CpuSlot

# The role whose engine starts containers from each image: the load generator's and
# Redis's images on theirs (PostgreSQL's with Redis's), every other (apps, the ceiling
# server, the calibration's) on the app's.
ROLE_OF_IMAGE = {"wrk": "load", "redis": "redis", "postgres": "redis"}


class DockerEngine:
    def __init__(self, client: Any, engines: Engines | None = None) -> None:
        self.client = client  # the local engine: builds, image facts
        self.engines = engines

    def build_images(
        self,
        root: Path,
        workdir: Path,
        say: Callable[[str], None],
        specs: Sequence[ImageSpec] | None = None,
    ) -> list[Built]:
        # Not translated: a build reports its own failures (BuildFailed, with the log).
        return build_all(self.client, root, workdir, say, specs)

    @engine_errors()
    def distribute(self, built: Sequence[Built], say: Callable[[str], None]) -> None:
        """Every role's engine holds the images it starts, under the local build's IDs."""
        if self.engines is None:
            return
        for name, client in self.engines.distinct():
            if client is self.client:
                continue
            roles = {role for role, other in self.engines.clients.items() if other is client}
            wanted = [image for image in built if ROLE_OF_IMAGE.get(image.name, "app") in roles]
            copy_images(self.client, client, name, wanted, say)

    @engine_errors()
    def image(self, ref: str) -> ImageFacts:
        try:
            image = self.client.images.get(ref)
        except docker.errors.ImageNotFound as exc:
            raise ImageMissing(ref) from exc
        return ImageFacts(str(image.id), dict(image.labels))

    @engine_errors()
    def facts(self) -> dict[str, Any]:
        """The app's engine's facts; with roles on several engines, each engine's too."""
        if self.engines is None:
            return engine_facts(self.client)
        facts = engine_facts(self.engines.clients["app"])
        if self.engines.topology.split:
            facts["engines"] = {
                name: engine_facts(client) for name, client in self.engines.distinct()
            }
        return facts

    def unanswering(self) -> list[str]:
        """The run's engines that do not answer now, by roles and URL. A run on one engine
        names none: "the Docker engine" already says which."""
        if self.engines is None or not self.engines.topology.split:
            return []
        return self.engines.unanswering()

    def run_stack(
        self,
        run_id: str,
        redis_image: str,
        load_image: str,
        redis: CpuSlot,
        wrk: CpuSlot,
        network: NetworkPath = BRIDGE,
        database: DatabaseSpec | None = None,
    ) -> RunStack:
        clients = self.engines.clients if self.engines is not None else None
        return RunStack(
            self.client,
            run_id,
            redis_image,
            load_image,
            redis,
            wrk,
            clients,
            network,
            database=database,
        )
