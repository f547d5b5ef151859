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


def local_url() -> str:
    """The local engine's URL: DOCKER_HOST's, else the local socket."""
    return os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")


def connect(timeout: int = 300) -> Any:
    """A docker-py client for the engine of DOCKER_HOST (or the local socket), known to answer."""
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except (docker.errors.DockerException, requests.RequestException) as exc:
        raise EngineUnavailable(
            f"no Docker engine answers at {local_url()}: {_first_line(exc)}", ENGINE_HINT
        ) from exc
    return client


def connect_url(url: str, role: str, timeout: int = 300) -> Any:
    """A client for the engine at `url` (unix://, tcp:// or ssh://), known to answer.

    tcp:// takes its TLS files from DOCKER_CERT_PATH (with DOCKER_TLS_VERIFY), as the docker
    command does; ssh:// goes through the system's ssh client, so its keys and config apply.
    """
    try:
        if url.startswith("tcp://") and os.environ.get("DOCKER_CERT_PATH"):
            client = docker.from_env(
                timeout=timeout, environment={**os.environ, "DOCKER_HOST": url}
            )
        else:
            client = docker.DockerClient(
                base_url=url, timeout=timeout, use_ssh_client=url.startswith("ssh://")
            )
        client.ping()
    except (docker.errors.DockerException, requests.RequestException, OSError) as exc:
        raise EngineUnavailable(
            f"--engine {role}={url}: no Docker engine answers there: {_first_line(exc)}",
            f"start Docker on that host, or fix the URL (lab.toml or --engine {role}=…)",
        ) from exc
    return client


def answers(client: Any) -> bool:
    """Whether the engine answers a ping now (a few seconds at most)."""
    waits, client.api.timeout = client.api.timeout, 5  # a hung engine must not hold the run
    try:
        return bool(client.api.ping())
    except (docker.errors.DockerException, requests.RequestException, OSError):
        return False
    finally:
        client.api.timeout = waits


def _first_line(exc: BaseException) -> str:
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return reason[:160]


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
        # Which engine: daemons on one host share the ID, so the name and data root too.
        "id": info.get("ID"),
        "name": info.get("Name"),
        "root": info.get("DockerRootDir"),
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
