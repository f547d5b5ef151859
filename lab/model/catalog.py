"""The apps and scenarios the lab knows how to run.

Both tables are read-only: a run picks from them by name, and every name a user
types is checked against them before anything starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class AppSpec:
    """A web app under test: which image to start and which gunicorn worker serves it."""

    name: str
    image: str
    worker_class: str
    description: str


@dataclass(frozen=True, slots=True)
class Scenario:
    """A request wrk repeats: the path it hits and whether the app needs Redis for it."""

    name: str
    path: str
    uses_redis: bool
    description: str


APPS: Mapping[str, AppSpec] = MappingProxyType(
    {
        "flask": AppSpec(
            name="flask",
            image="flask",
            worker_class="gevent",
            description="Flask on gunicorn's gevent worker",
        ),
        "aio": AppSpec(
            name="aio",
            image="aio",
            worker_class="aiohttp.GunicornWebWorker",
            description="aiohttp on its gunicorn worker (asyncio event loop)",
        ),
        # Same image as `aio`: only the event loop differs, so any gap is uvloop's.
        "aio-uvloop": AppSpec(
            name="aio-uvloop",
            image="aio",
            worker_class="aiohttp.GunicornUVLoopWebWorker",
            description="aiohttp on its gunicorn worker with the uvloop event loop",
        ),
    }
)

SCENARIOS: Mapping[str, Scenario] = MappingProxyType(
    {
        "hello": Scenario(
            name="hello",
            path="/",
            uses_redis=False,
            description="return a short text body: framework and server overhead only",
        ),
        "hit": Scenario(
            name="hit",
            path="/hit",
            uses_redis=True,
            description="increment a Redis counter and return it: one network round trip",
        ),
    }
)

# Not an app under test: the harness ceiling, a static server answering `GET /` with
# the apps' exact bytes, measured in the app's placement (see Dockerfile.nginx).
CEILING = AppSpec(
    name="nginx",
    image="nginx",
    worker_class="",
    description="Debian's nginx answering the same text: the harness ceiling",
)


def target(name: str) -> AppSpec:
    """The app, or the ceiling server, that a trial's app name stands for."""
    base = name.split(":", 1)[0]  # A/A variants are `aio:a` and `aio:b`
    return CEILING if base == CEILING.name else APPS[base]
