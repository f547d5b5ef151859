"""Where each role runs: one Docker engine per role, or the local one for all.

`--engine app=URL` (repeatable) and a lab.toml's `[engines]` table name an engine per
role; a role not named runs on the local engine (DOCKER_HOST, else the local socket).
Once the engines have answered, `Topology` holds what they said about themselves, so
that placement is decided per host from that host's own CPU count, and roles on
different engines reach each other over the hosts' network at each role's address.
"""

from __future__ import annotations

import ipaddress
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import urlsplit

from lab.errors import UsageError

ROLES = ("app", "load", "redis")
# The placement's name for each role (wrk is the load generator).
CPU_ROLE: Mapping[str, str] = MappingProxyType({"app": "app", "load": "wrk", "redis": "redis"})
SCHEMES = ("unix", "tcp", "ssh")
LOCAL = "local"  # a role no flag or file places: the engine of DOCKER_HOST or the local socket
LOOPBACK = "127.0.0.1"
FLAG = "--engine"


@dataclass(frozen=True, slots=True)
class EngineTarget:
    """One role's engine as the user named it; `address` is where the other roles reach
    this role (None: the URL's host, or loopback for a local socket)."""

    role: str
    url: str
    address: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"url": self.url, "address": self.address}


def _check(role: str, url: str, address: str | None, source: str) -> EngineTarget:
    if role not in ROLES:
        raise UsageError(
            f"{source}: unknown role {role!r}", f"give an engine for one of: {', '.join(ROLES)}"
        )
    scheme = urlsplit(url).scheme
    if scheme not in SCHEMES or (scheme != "unix" and not urlsplit(url).hostname):
        raise UsageError(
            f"{source}: {role}={url!r} is not a Docker engine URL",
            "give unix:///path/docker.sock, tcp://HOST:2376 (TLS from DOCKER_CERT_PATH) or"
            " ssh://USER@HOST",
        )
    if address is not None:
        # IPv4 only: every server, Redis and wrk take the address as HOST:PORT text.
        try:
            ipaddress.IPv4Address(address)
        except ValueError as exc:
            raise UsageError(
                f"{source}: address {address!r} of {role} is not an IPv4 address",
                "give the IPv4 address the other roles reach this role's host at, e.g. 10.0.0.5",
            ) from exc
    return EngineTarget(role, url, address)


def parse_engine_flag(text: str) -> EngineTarget:
    """`app=ssh://bench@10.0.0.5` as given to --engine."""
    role, sep, url = text.partition("=")
    if not sep or not url:
        raise UsageError(
            f"{FLAG} {text!r} is not ROLE=URL", f"e.g. {FLAG} app=ssh://bench@10.0.0.5"
        )
    return _check(role.strip(), url.strip(), None, FLAG)


def parse_lab_toml(text: str, source: str) -> tuple[EngineTarget, ...]:
    """A lab.toml's `[engines]`: `app = "URL"`, or `[engines.app]` with url and address."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{source}: not TOML: {exc}", "fix the file's syntax") from exc
    unknown = sorted(set(data) - {"engines"})
    if unknown:
        raise UsageError(
            f"{source}: unknown table {unknown[0]!r}", "a lab.toml holds only [engines]"
        )
    engines = data.get("engines", {})
    if not isinstance(engines, dict):
        raise UsageError(
            f"{source}: engines is not a table", 'e.g. [engines] then app = "ssh://…" below it'
        )
    targets = []
    for role, value in engines.items():
        if isinstance(value, str):
            url, address = value, None
        elif isinstance(value, dict) and isinstance(value.get("url"), str):
            extra = sorted(set(value) - {"url", "address"})
            if extra:
                raise UsageError(
                    f"{source}: engines.{role} has unknown key {extra[0]!r}",
                    "an engine has url and, optionally, address",
                )
            url, address = value["url"], value.get("address")
            if address is not None and not isinstance(address, str):
                raise UsageError(f"{source}: engines.{role}.address is not text", "e.g. 10.0.0.5")
        else:
            raise UsageError(
                f"{source}: engines.{role} is neither a URL nor a table with url",
                f'e.g. {role} = "ssh://bench@10.0.0.5"',
            )
        targets.append(_check(role, url, address, source))
    return tuple(targets)


def merge_targets(
    from_file: tuple[EngineTarget, ...], from_flags: tuple[EngineTarget, ...]
) -> tuple[EngineTarget, ...]:
    """The file's engines with the flags' laid over them, in role order; a role named
    twice by the flags is refused."""
    seen: set[str] = set()
    for target in from_flags:
        if target.role in seen:
            raise UsageError(
                f"{FLAG}: role {target.role} is given twice", f"give one {FLAG} per role"
            )
        seen.add(target.role)
    merged = {target.role: target for target in from_file}
    merged.update({target.role: target for target in from_flags})
    return tuple(merged[role] for role in ROLES if role in merged)


def as_engines(value: object) -> tuple[EngineTarget, ...]:
    """The engines setting from its typed form, flag texts, or run.json's mapping."""
    if isinstance(value, tuple) and all(isinstance(v, EngineTarget) for v in value):
        return value
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return merge_targets((), tuple(parse_engine_flag(str(v)) for v in value))
    if isinstance(value, Mapping):
        targets = []
        for role, entry in value.items():
            if not isinstance(entry, Mapping) or not isinstance(entry.get("url"), str):
                raise UsageError(f"run.json: engines.{role} has no url", "the file is damaged")
            address = entry.get("address")
            targets.append(
                _check(str(role), entry["url"], str(address) if address else None, "run.json")
            )
        return merge_targets((), tuple(targets))
    raise UsageError(f"{FLAG}: {value!r} is not a list of ROLE=URL", f"e.g. {FLAG} app=ssh://…")


def url_host(url: str) -> str | None:
    """The host a tcp:// or ssh:// URL names; None for a local socket."""
    return None if urlsplit(url).scheme == "unix" else urlsplit(url).hostname


@dataclass(frozen=True, slots=True)
class EngineFacts:
    """What an engine says of itself: its ID, its host's name, the CPUs it can give."""

    engine_id: str
    host: str
    cpus: int


@dataclass(frozen=True, slots=True)
class Placed:
    """One role's engine, once it answered: its URL, its facts, where others reach it."""

    url: str
    address: str
    facts: EngineFacts


@dataclass(frozen=True, slots=True)
class Topology:
    """Every role's engine. Roles on one engine may share a network; roles on engines of
    one host share its CPUs (placement groups them by host name)."""

    roles: Mapping[str, Placed]

    @classmethod
    def one_engine(cls, cpus: int, url: str = LOCAL, host: str = "") -> Topology:
        facts = EngineFacts("", host, cpus)
        return cls({role: Placed(url, LOOPBACK, facts) for role in ROLES})

    @property
    def split(self) -> bool:
        """Whether the roles run on more than one engine."""
        return len({placed.facts.engine_id for placed in self.roles.values()}) > 1

    def hosts(self) -> tuple[tuple[str, ...], ...]:
        """The roles grouped by their engines' host, in role order."""
        groups: dict[str, list[str]] = {}
        for role in ROLES:
            groups.setdefault(self.roles[role].facts.host, []).append(role)
        return tuple(tuple(group) for group in groups.values())

    def cpus(self, role: str) -> int:
        return self.roles[role].facts.cpus

    def address(self, role: str) -> str:
        return self.roles[role].address

    def engines(self) -> dict[str, tuple[str, ...]]:
        """Each engine's URL and the roles it runs, in role order."""
        found: dict[str, list[str]] = {}
        for role in ROLES:
            found.setdefault(self.roles[role].url, []).append(role)
        return {url: tuple(roles) for url, roles in found.items()}

    def to_dict(self) -> dict[str, object]:
        return {
            role: {
                "url": placed.url,
                "address": placed.address,
                "engine_id": placed.facts.engine_id,
                "host": placed.facts.host,
                "cpus": placed.facts.cpus,
            }
            for role, placed in self.roles.items()
        }
