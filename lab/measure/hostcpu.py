"""What else used the run's CPUs during a window: the host's evidence for one trial.

The host's /proc/stat says how busy each CPU was; the run's containers' cgroups say how
much of that was the run itself. Whatever remains on a CPU of the run's placement was
something else — another process, the engine, a container of another run — and it took
that time from the role pinned there. Softirq (mostly the bridge's packet work, some of
it the run's own) and steal (the hypervisor running another guest) are kept apart: they
are causes of their own and call for different remedies.

Everything here is arithmetic on samples taken by the engine side (lab.engine.hostprobe);
nothing reads a file or a clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_NS_PER_S = 1_000_000_000
# What else a CPU's time went to, each kept apart.
KINDS = ("foreign", "softirq", "steal")
_SECONDS = ("busy_s", "run_s", "foreign_s", "softirq_s", "steal_s")
ATTRIBUTIONS = ("per-cpu", "by-cpuset")
# /proc/stat's columns after the cpu name, in the kernel's order (proc(5)).
_PROC_STAT_FIELDS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")


@dataclass(frozen=True, slots=True)
class CpuTimes:
    """One CPU's cumulative times from /proc/stat, in seconds."""

    user: float
    nice: float
    system: float
    idle: float
    iowait: float
    irq: float
    softirq: float
    steal: float

    @property
    def tasks(self) -> float:
        """Time spent running tasks (guest time is already inside user), hard IRQs included."""
        return self.user + self.nice + self.system + self.irq


@dataclass(frozen=True, slots=True)
class Throttling:
    """A cgroup's cumulative CFS bandwidth counters, from its cpu.stat."""

    periods: int
    throttled_periods: int
    throttled_s: float


@dataclass(frozen=True, slots=True)
class ContainerCpu:
    """A container's cumulative CPU time: per CPU when the cgroup says (v1), else in total;
    with its throttling counters when the cgroup keeps them."""

    cpu_ids: tuple[int, ...]  # the CPUs it is pinned to
    total_s: float
    per_cpu_s: Mapping[int, float] | None = None
    throttling: Throttling | None = None

    def on(self, cpu: int) -> float:
        """Its time on `cpu`; without a per-CPU breakdown, its total spread over its CPUs."""
        if self.per_cpu_s is not None:
            return self.per_cpu_s.get(cpu, 0.0)
        return self.total_s / len(self.cpu_ids) if cpu in self.cpu_ids else 0.0


@dataclass(frozen=True, slots=True)
class HostSample:
    """One reading of the host, taken as close to a window's edge as possible."""

    at_s: float  # a monotonic stamp of the reading
    cpus: Mapping[int, CpuTimes]
    containers: Mapping[str, ContainerCpu]  # by role
    controller_s: float  # the controller process's own CPU time, every thread
    unix_s: float | None = None  # the wall clock of the reading, to line it up with others


@dataclass(frozen=True, slots=True)
class CpuEvidence:
    """One CPU over one window; the shares are fractions of the window."""

    cpu: int
    roles: tuple[str, ...]  # the run's roles pinned to it
    busy_s: float  # tasks and hard IRQs, everyone's
    run_s: float  # the run's containers
    foreign_s: float  # busy_s - run_s, never below zero
    softirq_s: float
    steal_s: float
    window_s: float

    def share(self, kind: str) -> float:
        seconds = {"foreign": self.foreign_s, "softirq": self.softirq_s, "steal": self.steal_s}
        return seconds[kind] / self.window_s

    @property
    def occupied_share(self) -> float:
        """How much of the window the CPU was not idle: tasks, softirq and steal."""
        return (self.busy_s + self.softirq_s + self.steal_s) / self.window_s

    def to_dict(self) -> dict[str, Any]:
        # The shares are derived, written beside the seconds for readers of the file.
        return {
            "cpu": self.cpu,
            "roles": list(self.roles),
            "busy_s": self.busy_s,
            "run_s": self.run_s,
            "foreign_s": self.foreign_s,
            "softirq_s": self.softirq_s,
            "steal_s": self.steal_s,
            **{f"{kind}_share": self.share(kind) for kind in KINDS},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], window_s: float) -> CpuEvidence:
        """Inverse of to_dict (the shares are derived again); ValueError names a bad key."""
        roles = data.get("roles")
        if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
            raise ValueError(f"host evidence: 'roles' is not a list of names: {roles!r}")
        return cls(
            cpu=int(_number(data, "cpu")),
            roles=tuple(roles),
            **{key: _number(data, key) for key in _SECONDS},
            window_s=window_s,
        )


KIND_WORDS = {
    "foreign": "user and system time outside the run's containers",
    "softirq": "packet and timer work, the bridge's included",
    "steal": "the hypervisor ran another guest",
}


@dataclass(frozen=True, slots=True)
class HostEvidence:
    """The host over one measured window: each CPU of the placement, and the controller."""

    window_s: float
    cpus: tuple[CpuEvidence, ...]
    controller_s: float
    attribution: str  # ATTRIBUTIONS: the cgroup's own per-CPU breakdown, or spread evenly
    started_unix_s: float | None = None

    @property
    def controller_share(self) -> float:
        """The controller's CPU time as a fraction of one CPU over the window."""
        return self.controller_s / self.window_s

    def to_dict(self) -> dict[str, Any]:
        return {
            "window_s": self.window_s,
            "started_unix_s": self.started_unix_s,
            "attribution": self.attribution,
            "controller_s": self.controller_s,
            "controller_share": self.controller_share,
            "cpus": [cpu.to_dict() for cpu in self.cpus],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HostEvidence:
        """Inverse of to_dict; raises ValueError naming the first bad key."""
        window_s = _number(data, "window_s")
        if not window_s > 0:
            raise ValueError(f"host evidence: 'window_s' must be positive, got {window_s}")
        cpus = data.get("cpus")
        if not isinstance(cpus, list) or not all(isinstance(cpu, Mapping) for cpu in cpus):
            raise ValueError(f"host evidence: 'cpus' is not a list of objects: {cpus!r}")
        started = data.get("started_unix_s")
        attribution = data.get("attribution")
        if attribution not in ATTRIBUTIONS:
            raise ValueError(f"host evidence: 'attribution' must be one of {ATTRIBUTIONS}")
        return cls(
            window_s=window_s,
            cpus=tuple(CpuEvidence.from_dict(cpu, window_s) for cpu in cpus),
            controller_s=_number(data, "controller_s"),
            attribution=str(attribution),
            started_unix_s=None if started is None else _number(data, "started_unix_s"),
        )


def _number(data: Mapping[str, Any], key: str) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"host evidence: key {key!r} is missing or not a number: {value!r}")
    return float(value)


def host_evidence(
    before: HostSample, after: HostSample, placement: Mapping[str, Sequence[int]]
) -> HostEvidence | None:
    """The evidence of a window between two samples; None when they cannot tell.

    `placement` maps each role to its CPUs; every CPU named there is reported.
    """
    window_s = after.at_s - before.at_s
    if window_s <= 0:
        return None
    cpu_roles: dict[int, list[str]] = {}
    for role, cpu_ids in placement.items():
        for cpu in cpu_ids:
            cpu_roles.setdefault(cpu, []).append(role)
    if any(cpu not in before.cpus or cpu not in after.cpus for cpu in cpu_roles):
        return None
    cpus = []
    for cpu in sorted(cpu_roles):
        first, last = before.cpus[cpu], after.cpus[cpu]
        run_s = sum(
            max(0.0, after.containers[role].on(cpu) - before.containers[role].on(cpu))
            for role in after.containers
            if role in before.containers
        )
        busy_s = last.tasks - first.tasks
        cpus.append(
            CpuEvidence(
                cpu=cpu,
                roles=tuple(sorted(cpu_roles[cpu])),
                busy_s=busy_s,
                run_s=run_s,
                # The kernel samples /proc/stat by ticks and cgroups by the nanosecond, so
                # a CPU the run kept busy can read a little under its run time.
                foreign_s=max(0.0, busy_s - run_s),
                softirq_s=max(0.0, last.softirq - first.softirq),
                steal_s=max(0.0, last.steal - first.steal),
                window_s=window_s,
            )
        )
    per_cpu = all(
        sample.containers[role].per_cpu_s is not None
        for sample in (before, after)
        for role in sample.containers
    )
    return HostEvidence(
        window_s=window_s,
        cpus=tuple(cpus),
        controller_s=max(0.0, after.controller_s - before.controller_s),
        attribution=ATTRIBUTIONS[0] if per_cpu else ATTRIBUTIONS[1],
        started_unix_s=before.unix_s,
    )


def parse_proc_stat(text: str, ticks_per_s: float) -> dict[int, CpuTimes]:
    """Each CPU's line of /proc/stat ("cpu3 12 0 34 ..."), in seconds.

    Raises ValueError when a CPU line is short or not numeric; kernels older than 2.6.11
    (no steal column) are not supported.
    """
    cpus: dict[int, CpuTimes] = {}
    for line in text.splitlines():
        name, _, rest = line.partition(" ")
        if not name.startswith("cpu") or name == "cpu":
            continue
        values = rest.split()
        if len(values) < len(_PROC_STAT_FIELDS):
            raise ValueError(f"/proc/stat: {name} has {len(values)} columns, expected 8 or more")
        try:
            cpu = int(name[3:])
            ticks = [int(value) for value in values[: len(_PROC_STAT_FIELDS)]]
        except ValueError as exc:
            raise ValueError(f"/proc/stat: unreadable line {line!r}") from exc
        cpus[cpu] = CpuTimes(*(tick / ticks_per_s for tick in ticks))
    if not cpus:
        raise ValueError("/proc/stat: no per-CPU lines")
    return cpus


def parse_usage_percpu(text: str) -> dict[int, float]:
    """cgroup v1's cpuacct.usage_percpu ("123 456 ..." nanoseconds, one per CPU), in seconds."""
    try:
        return {cpu: int(value) / _NS_PER_S for cpu, value in enumerate(text.split())}
    except ValueError as exc:
        raise ValueError(f"cpuacct.usage_percpu: not integers: {text[:80]!r}") from exc


def parse_cpu_stat_usage(text: str) -> float:
    """cgroup v2's cpu.stat usage_usec, in seconds."""
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if key == "usage_usec":
            try:
                return int(value) / 1_000_000
            except ValueError as exc:
                raise ValueError(f"cpu.stat: usage_usec is not an integer: {value!r}") from exc
    raise ValueError("cpu.stat: no usage_usec line")


def parse_cpu_stat_throttling(text: str) -> Throttling:
    """The CFS counters of a cpu.stat: v1 counts throttled time in `throttled_time`
    (nanoseconds), v2 in `throttled_usec`; the same files the engine's stats API reads."""
    values: dict[str, int] = {}
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if key in ("nr_periods", "nr_throttled", "throttled_time", "throttled_usec"):
            try:
                values[key] = int(value)
            except ValueError as exc:
                raise ValueError(f"cpu.stat: {key} is not an integer: {value!r}") from exc
    if "throttled_time" in values:
        throttled_s = values["throttled_time"] / _NS_PER_S
    elif "throttled_usec" in values:
        throttled_s = values["throttled_usec"] / 1_000_000
    else:
        raise ValueError("cpu.stat: no throttled_time or throttled_usec line")
    for key in ("nr_periods", "nr_throttled"):
        if key not in values:
            raise ValueError(f"cpu.stat: no {key} line")
    return Throttling(values["nr_periods"], values["nr_throttled"], throttled_s)
