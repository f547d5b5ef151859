"""The app container's memory, read once at the end of the measured window.

Two views, both from the host (lab.engine.memprobe reads the files, this parses them):

- the container's cgroup: its peak since it started (cgroup v1's
  `memory.max_usage_in_bytes`, v2's `memory.peak`), which covers start-up, warmup and the
  window since the app container is fresh per trial; its usage at the end of the window
  (`memory.usage_in_bytes` / `memory.current`); and of that, the anonymous memory
  (`memory.stat`: v1's `total_rss`, v2's `anon`), which the page cache of the image's
  files, charged to the cgroup too, does not inflate;
- each of its processes: resident set (RSS) and proportional set (PSS: a page shared by
  n processes counts 1/n to each, so a fork's shared pages are not counted once per
  worker) from `/proc/<pid>/smaps_rollup`. A process with a child in the container is a
  parent (gunicorn's or uvicorn's master); the others are workers. A server run as a
  single process is then its own worker.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from statistics import median
from typing import Any

MIB = 1024 * 1024
PARENT = "parent"
WORKER = "worker"
# memory.stat's anonymous memory: v1's hierarchical rss (the container's cgroup has no
# children, so it equals `rss`), v2's `anon`.
_ANON_KEYS = ("total_rss", "anon")


@dataclass(frozen=True, slots=True)
class ProcessMemory:
    """One process of the container at the end of the window; pids are the host's."""

    pid: int
    parent_pid: int
    command: str
    rss_bytes: int
    pss_bytes: int | None  # None when smaps_rollup could not be read
    role: str  # PARENT or WORKER

    @property
    def share_bytes(self) -> int:
        """Its fair share: PSS, or RSS when PSS is unknown."""
        return self.rss_bytes if self.pss_bytes is None else self.pss_bytes

    def to_dict(self) -> dict[str, Any]:
        return {
            "pid": self.pid,
            "parent_pid": self.parent_pid,
            "command": self.command,
            "role": self.role,
            "rss_bytes": self.rss_bytes,
            "pss_bytes": self.pss_bytes,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> ProcessMemory:
        role = _field(data, "role", str, where)
        if role not in (PARENT, WORKER):
            raise ValueError(f"key '{where}.role' is neither {PARENT!r} nor {WORKER!r}: {role!r}")
        return cls(
            pid=_field(data, "pid", int, where),
            parent_pid=_field(data, "parent_pid", int, where),
            command=_field(data, "command", str, where),
            rss_bytes=_field(data, "rss_bytes", int, where),
            pss_bytes=_field(data, "pss_bytes", int, where, null=True),
            role=role,
        )


@dataclass(frozen=True, slots=True)
class ContainerMemory:
    """The app container's memory at the end of the window (see the module doc)."""

    cgroup: str  # "v1" or "v2": which files the figures come from
    peak_bytes: int | None  # None when the cgroup keeps no peak (v2 before Linux 5.19)
    current_bytes: int
    anon_bytes: int | None
    processes: tuple[ProcessMemory, ...]

    @property
    def workers(self) -> tuple[ProcessMemory, ...]:
        return tuple(process for process in self.processes if process.role == WORKER)

    @property
    def worker_bytes(self) -> float | None:
        """The median worker's share (PSS); None when no worker was read."""
        shares = [worker.share_bytes for worker in self.workers]
        return float(median(shares)) if shares else None

    @property
    def parent_bytes(self) -> int | None:
        """The parents' shares together (a master); None when the server has none."""
        parents = [p.share_bytes for p in self.processes if p.role == PARENT]
        return sum(parents) if parents else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "cgroup": self.cgroup,
            "peak_bytes": self.peak_bytes,
            "current_bytes": self.current_bytes,
            "anon_bytes": self.anon_bytes,
            "processes": [process.to_dict() for process in self.processes],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "memory") -> ContainerMemory:
        processes = _field(data, "processes", list, where)
        for n, item in enumerate(processes):
            if not isinstance(item, Mapping):
                raise ValueError(f"key '{where}.processes[{n}]' is not an object")
        return cls(
            cgroup=_field(data, "cgroup", str, where),
            peak_bytes=_field(data, "peak_bytes", int, where, null=True),
            current_bytes=_field(data, "current_bytes", int, where),
            anon_bytes=_field(data, "anon_bytes", int, where, null=True),
            processes=tuple(
                ProcessMemory.from_dict(item, f"{where}.processes[{n}]")
                for n, item in enumerate(processes)
            ),
        )


def _field(data: Mapping[str, Any], key: str, kind: type, where: str, *, null: bool = False) -> Any:
    """`data[key]` of `kind` (never a bool for a number); null allowed with `null`."""
    value = data.get(key)
    if value is None and null:
        return None
    if isinstance(value, bool) or not isinstance(value, kind):
        raise ValueError(f"key '{where}.{key}' is missing or has the wrong type: {value!r:.60}")
    return value


@dataclass(frozen=True, slots=True)
class ProcessReading:
    """What the host said of one process, before the roles are told apart."""

    pid: int
    parent_pid: int
    command: str
    rss_bytes: int
    pss_bytes: int | None


def with_roles(readings: Iterable[ProcessReading]) -> tuple[ProcessMemory, ...]:
    """The processes in pid order, each a parent when another of them is its child."""
    ordered = sorted(readings, key=lambda reading: reading.pid)
    parents = {reading.parent_pid for reading in ordered}
    return tuple(
        ProcessMemory(
            pid=r.pid,
            parent_pid=r.parent_pid,
            command=r.command,
            rss_bytes=r.rss_bytes,
            pss_bytes=r.pss_bytes,
            role=PARENT if r.pid in parents else WORKER,
        )
        for r in ordered
    )


def parse_byte_count(text: str, name: str) -> int:
    """A cgroup file holding one number of bytes (memory.peak, memory.current...)."""
    try:
        return int(text.strip())
    except ValueError as exc:
        raise ValueError(f"{name}: not a number of bytes: {text.strip()[:40]!r}") from exc


def parse_memory_stat(text: str) -> dict[str, int]:
    """memory.stat's `key value` lines (values in bytes, or counts)."""
    values = {}
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if value.strip().isdigit():
            values[key] = int(value)
    return values


def anon_bytes(stat: Mapping[str, int]) -> int | None:
    """The anonymous memory of a memory.stat (v1 or v2); None when it names none."""
    return next((stat[key] for key in _ANON_KEYS if key in stat), None)


def parse_smaps_rollup(text: str) -> dict[str, int]:
    """/proc/<pid>/smaps_rollup's `Name:   N kB` lines, in bytes; the first line (the
    address range it rolls up) is skipped."""
    values = {}
    for line in text.splitlines():
        name, colon, rest = line.partition(":")
        parts = rest.split()
        if colon and len(parts) == 2 and parts[1] == "kB" and parts[0].isdigit():
            values[name.strip()] = int(parts[0]) * 1024
    if "Rss" not in values:
        raise ValueError("smaps_rollup: no Rss line")
    return values


def parse_parent_pid(text: str) -> int:
    """The parent's pid from /proc/<pid>/stat, whose second field, the command in
    parentheses, may itself hold spaces and parentheses: the fields after the last ')'."""
    _, close, rest = text.rpartition(")")
    fields = rest.split()
    if not close or len(fields) < 2 or not fields[1].isdigit():
        raise ValueError(f"/proc/<pid>/stat: no parent pid in {text[:60]!r}")
    return int(fields[1])


def command_line(raw: bytes, limit: int = 160) -> str:
    """/proc/<pid>/cmdline (NUL-separated) as one line, cut to `limit` characters."""
    text = raw.rstrip(b"\0").replace(b"\0", b" ").decode(errors="replace")
    return text if len(text) <= limit else text[: limit - 1] + "\N{HORIZONTAL ELLIPSIS}"
