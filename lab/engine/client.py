"""The one way the lab reaches the Docker engine, with a clear error when none answers.

`engine_errors` turns docker-py's and requests' exceptions into the port's own, so
nothing past the engine's adapters needs to know either library.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import docker
import docker.errors
import requests

from lab.engine.port import ENGINE_HINT, EngineGone, EngineRefused, EngineRequestFailed
from lab.errors import EngineUnavailable


def connect(timeout: int = 300) -> Any:
    """A docker-py client for the engine of DOCKER_HOST (or the local socket), known to answer."""
    where = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except (docker.errors.DockerException, requests.RequestException) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise EngineUnavailable(
            f"no Docker engine answers at {where}: {reason[:160]}", ENGINE_HINT
        ) from exc
    return client


def engine_facts(client: Any) -> dict[str, Any]:
    """What a result needs to say about the engine it ran on."""
    version = client.version()
    info = client.info()
    return {
        "version": version.get("Version"),
        "api_version": version.get("ApiVersion"),
        "kernel": info.get("KernelVersion"),
        "os": info.get("OperatingSystem"),
        "cgroup_version": info.get("CgroupVersion"),
        "cgroup_driver": info.get("CgroupDriver"),
        "storage_driver": info.get("Driver"),
        "cpus": info.get("NCPU"),
        "memory_bytes": info.get("MemTotal"),
    }


@contextlib.contextmanager
def engine_errors() -> Iterator[None]:
    """The port's exceptions for the engine client's; usable as a decorator too.

    The message is the original's, word for word: records and errors read as before.
    """
    try:
        yield
    except docker.errors.APIError as exc:  # an HTTPError too: it must come first
        raise EngineRefused(str(exc), type(exc).__name__) from exc
    except requests.ConnectionError as exc:
        raise EngineGone(str(exc), type(exc).__name__) from exc
    except requests.RequestException as exc:
        raise EngineRequestFailed(str(exc), type(exc).__name__) from exc
