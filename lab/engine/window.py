"""A measured window: one generator run with every reading around it, taken here once for
closed trials, open points and both ceilings alike.

The host is sampled right before and right after the generator's run (its /proc/stat and
the containers' cgroups), so the window is the run's own plus the exec's set-up, a few
milliseconds. The samples give each role's CPU use too, unless the host cannot be read or
a cgroup keeps no CFS counters; then two engine stats snapshots around the host samples
give it. Those are asked only then: the engine answers on its stats collector's next
pass, and on one engine only the first of simultaneous requests at once, which cost two
seconds a trial. With --inject-stall the app is paused on its schedule during the window.
Right after the last sample the app's memory is read from the host too (lab.measure.memory),
or the reason it cannot be is kept: the engine's stats are no substitute for a peak.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic

from lab.engine.generators import Generator, Result
from lab.engine.port import Container, HostUnavailable, HostWatch, Stack
from lab.engine.stall import StallInjector
from lab.measure.cpu import CpuUse, cpu_use, measure_cpu_between
from lab.measure.hostcpu import HostEvidence, HostSample, host_evidence
from lab.measure.memory import ContainerMemory
from lab.model.openload import StallSpec
from lab.model.placement import Placement
from lab.results.execrecord import ExecRecord


@dataclass(frozen=True, slots=True)
class Stalls:
    """The pauses injected in a window: when each began (seconds from the window's start)
    and how long the app really stayed paused; `error` when the engine refused one."""

    stalls: tuple[tuple[float, float], ...]
    error: str | None


@dataclass(frozen=True, slots=True)
class Measured(Generic[Result]):
    """A generator's run and what was read around it."""

    run: ExecRecord
    result: Result | None  # None when the output is unusable
    output_error: str | None  # then, what is wrong with it
    cpu: Mapping[str, CpuUse | None]
    host: HostEvidence | None
    host_unavailable: str | None  # why there is no host evidence, when there is none
    cpu_source: str  # "cgroup" or "engine stats"
    stalls: Stalls | None  # None without --inject-stall
    # The app's memory at the end of the window, or why it is unknown (one of the two).
    memory: ContainerMemory | None = None
    memory_unavailable: str | None = None

    def memory_fields(self) -> dict[str, Any]:
        """A record's `memory` or `memory_unavailable`."""
        if self.memory is not None:
            return {"memory": self.memory}
        return {"memory_unavailable": self.memory_unavailable}

    def host_fields(self) -> dict[str, Any]:
        """A record's `host` or `host_unavailable`."""
        if self.host is not None:
            return {"host": self.host}
        return {"host_unavailable": self.host_unavailable}


def measure(
    stack: Stack,
    generator: Generator[Result],
    command: list[str],
    roles: Mapping[str, Container],
    placement: Placement,
    stall: StallSpec | None,
    window_s: float,
) -> Measured[Result]:
    """Run `command` in the load container (`roles["wrk"]`) with the readings around it.

    A `postgres` among `roles` is read on Redis's CPUs, where the stack places it: its
    work is the run's own, not a disturbance of the host."""
    slots = {slot.role: slot for slot in placement.slots}
    if "postgres" in roles:
        slots["postgres"] = placement.redis
    cpu_ids = {role: slot.cpu_ids for role, slot in slots.items()}
    readings = _Readings(stack, roles, cpu_ids)
    stalls = None
    readings.begin()
    if stall is not None:
        app = roles["app"]
        with StallInjector(stack, app, stall, window_s, lead_s=generator.lead_s) as injector:
            run = stack.exec_load(command, on=roles["wrk"])
        stalls = Stalls(tuple(injector.stalls), injector.error)
    else:
        run = stack.exec_load(command, on=roles["wrk"])
    readings.end()
    result: Result | None = None
    output_error = None
    try:
        result = generator.parse(run)
    except ValueError as exc:
        output_error = str(exc)
    load_s = generator.load_seconds(result) if result is not None else None
    host, unavailable = readings.host()
    return Measured(
        run=run,
        result=result,
        output_error=output_error,
        cpu={role: readings.cpu(role, slot.cpus, load_s) for role, slot in slots.items()},
        host=host,
        host_unavailable=unavailable,
        cpu_source=readings.cpu_source,
        stalls=stalls,
        memory=readings.memory,
        memory_unavailable=readings.memory_unavailable,
    )


class _Readings:
    """The host's samples, or the engine's stats snapshots, at the window's two edges."""

    def __init__(
        self,
        stack: Stack,
        roles: Mapping[str, Container],
        cpu_ids: Mapping[str, tuple[int, ...]],
    ) -> None:
        self.stack = stack
        self.roles = roles
        self.cpu_ids = cpu_ids
        self.samples: list[HostSample] = []
        self.snapshots: list[Mapping[str, Mapping[str, Any] | None]] = []
        self.unavailable: str | None = None
        self.memory: ContainerMemory | None = None
        self.memory_unavailable: str | None = None
        self.watch: HostWatch | None = None
        try:
            self.watch = stack.watch_host(roles, cpu_ids)
        except HostUnavailable as exc:
            self.unavailable = str(exc)
        self.counts_cpu = self.watch is not None and self.watch.keeps_throttling
        self.cpu_source = "cgroup" if self.counts_cpu else "engine stats"

    def begin(self) -> None:
        if not self.counts_cpu:
            self.snapshots.append(self.stack.snapshot(self.roles))
        self._sample()

    def end(self) -> None:
        self._sample()
        self._read_memory()
        if not self.counts_cpu:
            self.snapshots.append(self.stack.snapshot(self.roles))

    def _read_memory(self) -> None:
        """The app's memory now, after the window's last sample so as not to lengthen it."""
        if "app" not in self.roles:
            return
        if self.watch is None:
            self.memory_unavailable = self.unavailable or "the host was not watched"
            return
        try:
            self.memory = self.watch.memory("app")
        except HostUnavailable as exc:
            self.memory_unavailable = str(exc)

    def _sample(self) -> None:
        if self.watch is None:
            return
        try:
            self.samples.append(self.watch.sample())
        except HostUnavailable as exc:
            self.watch, self.unavailable = None, str(exc)

    def cpu(self, role: str, allotment: float, load_s: float | None) -> CpuUse | None:
        """The role's CPU use over the window; None when its readings cannot tell."""
        if self.counts_cpu:
            if len(self.samples) != 2:
                return None
            first, last = (sample.containers[role] for sample in self.samples)
            window_s = self.samples[1].at_s - self.samples[0].at_s
            return measure_cpu_between(first, last, window_s, allotment, load_s).use
        before, after = (snapshot[role] for snapshot in self.snapshots)
        if before is None or after is None:
            return None
        return cpu_use(before, after, allotment, load_s)

    def host(self) -> tuple[HostEvidence | None, str | None]:
        """The host's evidence, or why there is none."""
        if self.unavailable is not None or len(self.samples) != 2:
            return None, self.unavailable or "the window was not sampled"
        evidence = host_evidence(self.samples[0], self.samples[1], self.cpu_ids)
        if evidence is None:
            return None, "the samples do not cover the placement's CPUs"
        return evidence, None
