"""The port's real side: a docker-py client behind `Engine`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import docker.errors

from lab.engine.client import engine_errors, engine_facts
from lab.engine.port import ImageFacts, ImageMissing
from lab.engine.stack import RunStack
from lab.images.build import Built, build_all
from lab.images.specs import ImageSpec
from lab.model.placement import CpuSlot


class DockerEngine:
    def __init__(self, client: Any) -> None:
        self.client = client

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
    def image(self, ref: str) -> ImageFacts:
        try:
            image = self.client.images.get(ref)
        except docker.errors.ImageNotFound as exc:
            raise ImageMissing(ref) from exc
        return ImageFacts(str(image.id), dict(image.labels))

    @engine_errors()
    def facts(self) -> dict[str, Any]:
        return engine_facts(self.client)

    def run_stack(
        self, run_id: str, redis_image: str, load_image: str, redis: CpuSlot, wrk: CpuSlot
    ) -> RunStack:
        return RunStack(self.client, run_id, redis_image, load_image, redis, wrk)
