"""The run's engines: one docker-py client per role, each engine connected once.

Roles not given an engine run on the local one. Two URLs that reach the same engine
(same engine ID) share one client, so the stack treats them as one engine: one network,
one clean-up.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lab.engine.client import answers, connect, connect_url, local_url
from lab.errors import UsageError
from lab.model.topology import (
    LOOPBACK,
    ROLES,
    EngineFacts,
    EngineTarget,
    Placed,
    Topology,
    url_host,
)


@dataclass(frozen=True, slots=True)
class Engines:
    """The local engine (where images are built) and each role's engine."""

    local: Any
    clients: dict[str, Any]  # by role: app, load, redis
    topology: Topology

    def distinct(self) -> list[tuple[str, Any]]:
        """Each engine once, named by its roles and URL, e.g. `load (unix:///…/docker.sock)`."""
        seen: dict[int, list[str]] = {}
        clients: dict[int, Any] = {}
        for role in ROLES:
            client = self.clients[role]
            seen.setdefault(id(client), []).append(role)
            clients[id(client)] = client
        return [
            (f"{'+'.join(roles)} ({self.topology.roles[roles[0]].url})", clients[key])
            for key, roles in seen.items()
        ]

    def unanswering(self) -> list[str]:
        """The engines that do not answer a ping now, by name."""
        return [name for name, client in self.distinct() if not answers(client)]

    def close(self) -> None:
        closed: set[int] = set()
        for client in [self.local, *self.clients.values()]:
            if id(client) not in closed:
                closed.add(id(client))
                client.close()


def engine_identity(client: Any) -> EngineFacts:
    """Who the engine is. Its ID alone does not say: dockerd derives it from a key file
    that daemons of one host share (seen: three daemons of one machine, one ID), so the
    data root and the host's name are part of it."""
    info = client.info()
    host = str(info.get("Name") or "")
    identity = f"{info.get('ID')}@{host}:{info.get('DockerRootDir')}"
    return EngineFacts(identity, host, int(info["NCPU"]))


def connect_engines(targets: Sequence[EngineTarget]) -> Engines:
    """A client per role, known to answer; the local engine for roles not in `targets`."""
    local = connect()
    by_id: dict[str, Any] = {engine_identity(local).engine_id: local}
    given = {target.role: target for target in targets}
    clients: dict[str, Any] = {}
    placed: dict[str, Placed] = {}
    for role in ROLES:
        target = given.get(role)
        url = target.url if target else local_url()
        client = local if target is None else connect_url(url, role)
        facts = engine_identity(client)
        if facts.engine_id in by_id:  # the same engine by another URL: one client
            if client is not by_id[facts.engine_id]:
                client.close()
            client = by_id[facts.engine_id]
        by_id[facts.engine_id] = client
        clients[role] = client
        address = (target.address if target else None) or resolve(url, role)
        placed[role] = Placed(url, address, facts)
    return Engines(local, clients, Topology(placed))


def resolve(url: str, role: str) -> str:
    """The IP address of the host a URL names, as this machine resolves it; loopback for
    a local socket."""
    host = url_host(url)
    if host is None:
        return LOOPBACK
    try:
        return socket.gethostbyname(host)
    except OSError as exc:
        raise UsageError(
            f"--engine {role}={url}: cannot resolve {host}: {exc}",
            f"give the host's IP address as [engines.{role}] address in lab.toml",
        ) from exc
