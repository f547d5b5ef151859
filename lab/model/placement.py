"""Which host CPUs each container may use, decided before any container starts.

The app gets the highest-numbered CPUs because CPU 0 usually services most interrupts;
wrk sits below it and Redis below that. On a small host Redis may share wrk's CPUs but
never the app's: the app's CPUs are what is being measured.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from lab.errors import UsageError
from lab.model.config import RunConfig
from lab.model.cpurequest import CpuRequest
from lab.model.topology import CPU_ROLE, Topology


@dataclass(frozen=True, slots=True)
class CpuSlot:
    """One container's CPUs: a Docker cpuset, plus a CFS quota when the request is fractional."""

    role: str
    cpuset: str  # Docker's cpuset_cpus, e.g. "1", "2-3", "0,2"
    cpu_ids: tuple[int, ...]
    nano_cpus: int | None  # Docker's nano_cpus; None when whole CPUs are given

    @property
    def cpus(self) -> float:
        """How much CPU time the container may use, in CPUs."""
        if self.nano_cpus is not None:
            return self.nano_cpus / 1e9
        return float(len(self.cpu_ids))

    def to_dict(self) -> dict[str, object]:
        return {
            "role": self.role,
            "cpuset": self.cpuset,
            "cpu_ids": list(self.cpu_ids),
            "nano_cpus": self.nano_cpus,
            "cpus": self.cpus,
        }


@dataclass(frozen=True, slots=True)
class Placement:
    app: CpuSlot
    wrk: CpuSlot
    redis: CpuSlot
    notes: tuple[str, ...]
    # With roles on several engines: the roles (app, load, redis) grouped by host. CPU
    # numbers compare only within a group. Empty: all on one engine.
    hosts: tuple[tuple[str, ...], ...] = ()

    @property
    def slots(self) -> tuple[CpuSlot, CpuSlot, CpuSlot]:
        return (self.app, self.wrk, self.redis)

    def to_dict(self) -> dict[str, object]:
        placed: dict[str, object] = {
            "app": self.app.to_dict(),
            "wrk": self.wrk.to_dict(),
            "redis": self.redis.to_dict(),
            "notes": list(self.notes),
        }
        if self.hosts:
            placed["hosts"] = [[CPU_ROLE[role] for role in group] for group in self.hosts]
        return placed


def format_cpuset(cpu_ids: Iterable[int]) -> str:
    """Docker's cpuset syntax: (0, 2, 3) -> "0,2-3"."""
    ids = sorted(set(cpu_ids))
    parts: list[str] = []
    start = 0
    while start < len(ids):
        end = start
        while end + 1 < len(ids) and ids[end + 1] == ids[end] + 1:
            end += 1
        parts.append(str(ids[start]) if start == end else f"{ids[start]}-{ids[end]}")
        start = end + 1
    return ",".join(parts)


def _whole_cpus(request: float) -> int:
    # Rounding first keeps float noise (1.0000000001) from claiming a whole extra CPU.
    return max(1, math.ceil(round(request, 6)))


def _slot(role: str, request: float, cpu_ids: Sequence[int]) -> CpuSlot:
    fractional = not float(request).is_integer()
    return CpuSlot(
        role=role,
        cpuset=format_cpuset(cpu_ids),
        cpu_ids=tuple(cpu_ids),
        nano_cpus=round(request * 1e9) if fractional else None,
    )


def _cpu_words(cpu_ids: Sequence[int]) -> str:
    return f"CPU {cpu_ids[0]}" if len(cpu_ids) == 1 else f"CPUs {format_cpuset(cpu_ids)}"


def place(request: CpuRequest, host_cpus: int) -> Placement:
    """Give app, wrk and redis their CPUs on a host whose usable CPUs are 0..host_cpus-1."""
    slots, notes = _place_on_host(request, ("app", "wrk", "redis"), host_cpus)
    return Placement(app=slots["app"], wrk=slots["wrk"], redis=slots["redis"], notes=notes)


def place_on(request: CpuRequest, topology: Topology) -> Placement:
    """Each role's CPUs on its own engine's host, decided per host from that host's CPU
    count: roles on one host never overlap (but Redis may share wrk's CPUs, as above);
    roles on different hosts share nothing, so each gets its host's highest CPUs."""
    groups = topology.hosts()
    if len(groups) == 1:
        placement = place(request, topology.cpus("app"))
        return placement if not topology.split else replace(placement, hosts=groups)
    slots: dict[str, CpuSlot] = {}
    notes: list[str] = []
    for group in groups:
        roles = tuple(CPU_ROLE[role] for role in group)
        placed, group_notes = _place_on_host(request, roles, topology.cpus(group[0]))
        slots.update(placed)
        notes += group_notes
    apart = " and ".join("+".join(CPU_ROLE[role] for role in group) for group in groups)
    notes.append(f"roles on {len(groups)} hosts ({apart}): CPUs are placed per host")
    return Placement(
        app=slots["app"],
        wrk=slots["wrk"],
        redis=slots["redis"],
        notes=tuple(notes),
        hosts=groups,
    )


def _place_on_host(
    request: CpuRequest, roles: Sequence[str], host_cpus: int
) -> tuple[dict[str, CpuSlot], tuple[str, ...]]:
    """`roles` (in the order app, wrk, redis) on one host, highest CPUs first."""
    if host_cpus < 1:
        raise ValueError(f"host_cpus must be at least 1, got {host_cpus}")
    asked = {"app": request.app, "wrk": request.wrk, "redis": request.redis}
    n = {role: _whole_cpus(asked[role]) for role in roles}
    front = [role for role in roles if role != "redis"]
    needed = sum(n[role] for role in front)
    if needed > host_cpus:
        given = " and ".join(f"{role}={asked[role]:g}" for role in front)
        together = " or ".join(f"{role}=…" for role in front)
        raise UsageError(
            f"--cpus: {given} need {needed} CPUs but the host has {host_cpus}",
            f"lower --cpus {together} so that they need at most {host_cpus} CPUs together",
        )
    ids: dict[str, tuple[int, ...]] = {}
    top = host_cpus
    for role in front:  # the app highest, wrk below it
        ids[role] = tuple(range(top - n[role], top))
        top -= n[role]
    free = top  # CPUs 0..free-1 are unclaimed
    notes: list[str] = []
    if "redis" in roles:
        n_redis = n["redis"]
        # Redis may take wrk's CPUs, when wrk is on this host, but never the app's.
        room = host_cpus - n.get("app", 0) if "wrk" in roles else free
        if n_redis <= free:
            ids["redis"] = tuple(range(free - n_redis, free))
        elif n_redis <= room:
            # The lowest non-app CPUs: every free one first, then as few of wrk's as needed.
            ids["redis"] = tuple(range(n_redis))
            shared = [cpu for cpu in ids["redis"] if cpu in ids["wrk"]]
            notes.append(
                f"redis shares {_cpu_words(shared)} with wrk: the host has {host_cpus} CPUs, "
                f"a disjoint placement needs {needed + n_redis}"
            )
        else:
            owner = "not the app's" if "app" in roles else "free"
            raise UsageError(
                f"--cpus: redis={request.redis:g} needs {n_redis} CPUs but only {room} of the "
                f"host's {host_cpus} are {owner}",
                f"lower --cpus redis=… to at most {room}",
            )
    slots = {role: _slot(role, asked[role], ids[role]) for role in roles}
    return slots, tuple(notes)


def wrk_threads(config: RunConfig, placement: Placement) -> int:
    """--threads if given, else one wrk thread per CPU wrk may run on."""
    if config.threads is not None:
        return config.threads
    return max(1, len(placement.wrk.cpu_ids))


def gunicorn_workers(config: RunConfig, placement: Placement) -> int:
    """--workers if given, else one gunicorn worker per CPU the app may run on."""
    if config.workers is not None:
        return config.workers
    return max(1, len(placement.app.cpu_ids))


def round_connections(connections: int, threads: int) -> tuple[int, str | None]:
    """Round to the nearest multiple of `threads` (ties up), with a note when it changed.

    wrk gives each thread connections // threads, so any remainder would silently never
    be opened; rounding makes the level in the results the level that ran.
    """
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    if connections < threads:
        raise UsageError(
            f"--connections {connections} is fewer than --threads {threads}: "
            "each wrk thread needs at least one connection",
            f"raise --connections to at least {threads} or lower --threads",
        )
    rounded = max(threads, (2 * connections + threads) // (2 * threads) * threads)
    if rounded == connections:
        return connections, None
    return rounded, (
        f"--connections {connections} rounded to {rounded} (a multiple of {threads} wrk threads)"
    )


def round_connection_levels(
    levels: Sequence[int], threads: int
) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """Round every level; levels that round to the same value run once. Keeps the order."""
    rounded: list[int] = []
    notes: list[str] = []
    for level in levels:
        value, note = round_connections(level, threads)
        if note is not None:
            notes.append(note)
        if value in rounded:
            notes.append(f"--connections {level} duplicates level {value} after rounding; run once")
        else:
            rounded.append(value)
    return tuple(rounded), tuple(notes)
