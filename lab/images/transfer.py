"""Copy a build's images to the engines the run's roles use, byte for byte.

A Docker build is not reproducible to the byte (layers carry their creation times), so
building on each engine would give different image IDs for the same inputs. Instead the
images are built once, on the local engine, and streamed to every other engine with
`docker save` / `docker load`, which keeps each image's ID. An engine that already holds
a tag of the lab's under another ID (built there from the same inputs) is refused: the
run would not measure the bytes it records.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import docker.errors

from lab.errors import UsageError
from lab.images.build import Built
from lab.images.manifest import CHUNK
from lab.images.specs import short_id


def copy_images(
    source: Any, target: Any, engine: str, images: Sequence[Built], say: Callable[[str], None]
) -> int:
    """Make `target` hold each of `images` under its ID and tag; returns how many were
    copied (those already there by ID are not). UsageError when `target` holds one of
    the tags under another ID."""
    missing = []
    for image in images:
        held = _image(target, image.image_id)
        if held is None:
            _refuse_other_id(target, engine, image)
            missing.append(image)
        elif image.tag not in (held.tags or []):
            held.tag(*image.tag.split(":", 1))
    if not missing:
        return 0
    started = time.monotonic()
    _stream(source, target, engine, [image.tag for image in missing])
    for image in missing:
        held = _image(target, image.image_id)
        if held is None or image.tag not in (held.tags or []):
            raise UsageError(
                f"engine {engine}: {image.tag} did not arrive as {short_id(image.image_id)}",
                "check that engine's disk and log, then run again",
            )
    names = ", ".join(image.name for image in missing)
    say(f"{engine}: copied {names} in {time.monotonic() - started:.1f} s (same image IDs)")
    return len(missing)


def _stream(source: Any, target: Any, engine: str, tags: list[str]) -> None:
    """One `docker save` of every tag (the engine's /images/get) into one `docker load`:
    layers the images share cross once, and nothing is held in memory or on disk."""
    api = source.api
    url = f"{api.base_url}/v{api.api_version}/images/get"
    with api.get(url, params={"names": tags}, stream=True, timeout=api.timeout) as response:
        if response.status_code != 200:
            raise UsageError(
                f"the local engine refused to export {', '.join(tags)}:"
                f" HTTP {response.status_code} {response.text.strip()[:200]}",
                "check the local engine's log; `docker info` should answer",
            )
        for message in target.api.load_image(response.iter_content(CHUNK)):
            if "error" in message:
                raise UsageError(
                    f"engine {engine} refused the images: {message['error']}",
                    "check that engine's disk and log, then run again",
                )


def _image(client: Any, ref: str) -> Any:
    try:
        return client.images.get(ref)
    except docker.errors.ImageNotFound:
        return None


def _refuse_other_id(target: Any, engine: str, image: Built) -> None:
    other = _image(target, image.tag)
    if other is not None and other.id != image.image_id:
        raise UsageError(
            f"engine {engine} holds {image.tag} as {short_id(other.id)}, but the lab built"
            f" {short_id(image.image_id)} from the same inputs: the run would not measure"
            " the bytes it records",
            f"remove that image there (`docker rmi {image.tag}` on that engine, or"
            " `python -m lab clean --images` with its --engine), and run again: the lab"
            " copies its own",
        )
