"""Reading the engine's host: /proc/stat and the run's containers' cgroups, in microseconds.

Only possible when the engine runs on this host (its containers' processes are ours to
see in /proc); on a remote engine or a Docker Desktop VM a watch is refused with the
reason, and the trial records that reason instead of evidence. The files are read
directly, never through the engine's stats API, which answers about a second late.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path

from lab.engine.memprobe import memory_cgroup, read_memory
from lab.engine.port import HostUnavailable
from lab.measure.hostcpu import (
    ContainerCpu,
    HostSample,
    Throttling,
    parse_cpu_stat_throttling,
    parse_cpu_stat_usage,
    parse_proc_stat,
    parse_usage_percpu,
)
from lab.measure.memory import ContainerMemory

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC = Path("/proc")


class _Cgroup:
    """Where one container's CPU time is kept: cgroup v1's cpuacct, or v2's cpu.stat;
    and its throttling: v1's cpu controller's cpu.stat, or the same v2 cpu.stat."""

    def __init__(
        self, container_id: str, pid: int, cpu_ids: tuple[int, ...], proc: Path, root: Path
    ) -> None:
        self.cpu_ids = cpu_ids
        try:
            text = (proc / str(pid) / "cgroup").read_text()
        except OSError as exc:
            raise HostUnavailable(
                f"the engine's processes are not visible here (/proc/{pid}/cgroup: "
                f"{exc.strerror}): the engine runs on another host or in a VM"
            ) from exc
        # In another pid namespace the same number is another process.
        if container_id not in text:
            raise HostUnavailable(
                f"/proc/{pid} here is not the container's process: the engine runs on "
                "another host, in a VM or in another pid namespace"
            )
        lines = text.splitlines()
        self.v1_percpu: Path | None = None
        self.v2_stat: Path | None = None
        self.v1_cpu_stat: Path | None = None
        for line in lines:
            _, controllers, path = line.split(":", 2)
            names = controllers.split(",")
            if "cpuacct" in names:
                directory = self._v1_dir(root, "cpuacct", controllers, path)
                self.v1_percpu = directory / "cpuacct.usage_percpu"
            if "cpu" in names:
                self.v1_cpu_stat = self._v1_dir(root, "cpu", controllers, path) / "cpu.stat"
            if controllers == "" and self.v1_percpu is None:
                self.v2_stat = root / path.lstrip("/") / "cpu.stat"
        if self.v1_percpu is None and self.v2_stat is None:
            raise HostUnavailable(f"/proc/{pid}/cgroup names no CPU accounting controller")
        self.read()  # refuse now, not in the window, when the file is not there

    @staticmethod
    def _v1_dir(root: Path, controller: str, controllers: str, path: str) -> Path:
        # v1 mounts a controller alone ("cpuacct") or joined as "cpu,cpuacct" (with links).
        for name in (controller, controllers, "cpu,cpuacct"):
            mount = root / name
            if mount.is_dir():
                return mount / path.lstrip("/")
        raise HostUnavailable(f"no {controller} hierarchy under {root}")

    def read(self) -> ContainerCpu:
        try:
            if self.v1_percpu is not None:
                per_cpu = parse_usage_percpu(self.v1_percpu.read_text())
                total_s = sum(per_cpu.values())
                return ContainerCpu(self.cpu_ids, total_s, per_cpu, self._throttling())
            assert self.v2_stat is not None
            total_s = parse_cpu_stat_usage(self.v2_stat.read_text())
            return ContainerCpu(self.cpu_ids, total_s, throttling=self._throttling())
        except (OSError, ValueError) as exc:
            raise HostUnavailable(f"a container's CPU accounting is unreadable: {exc}") from exc

    def _throttling(self) -> Throttling | None:
        """None when the cgroup keeps no CFS counters (v2 without the cpu controller)."""
        stat = self.v1_cpu_stat or self.v2_stat
        if stat is None:
            return None
        try:
            return parse_cpu_stat_throttling(stat.read_text())
        except (OSError, ValueError):
            return None


class HostWatch:
    """Samples of the host for a fixed set of the run's containers (one trial's).

    `processes` maps each role to its container's ID and main process ID on the host.
    `keeps_throttling`: every container's cgroup keeps CFS counters, so the samples say
    each one's whole CPU use (lab.measure.cpu.measure_cpu_between).
    """

    def __init__(
        self,
        processes: Mapping[str, tuple[str, int]],
        cpu_ids: Mapping[str, tuple[int, ...]],
        proc: Path = PROC,
        root: Path = CGROUP_ROOT,
    ) -> None:
        self._proc = proc
        self._root = root
        self._processes = processes
        self._ticks_per_s = float(os.sysconf("SC_CLK_TCK"))
        self._cgroups = {
            role: _Cgroup(container_id, pid, cpu_ids[role], proc, root)
            for role, (container_id, pid) in processes.items()
        }
        first = self.sample()  # refuse now, not in the window, when /proc/stat is unreadable
        self.keeps_throttling = all(
            reading.throttling is not None for reading in first.containers.values()
        )

    def sample(self) -> HostSample:
        """The host now; HostUnavailable if a file went away (a container died)."""
        containers = {role: cgroup.read() for role, cgroup in self._cgroups.items()}
        times = os.times()
        try:
            cpus = parse_proc_stat((self._proc / "stat").read_text(), self._ticks_per_s)
        except (OSError, ValueError) as exc:
            raise HostUnavailable(f"/proc/stat is unreadable: {exc}") from exc
        return HostSample(
            at_s=time.monotonic(),
            cpus=cpus,
            containers=containers,
            controller_s=times.user + times.system,
            unix_s=time.time(),
        )

    def memory(self, role: str) -> ContainerMemory:
        """The role's container's memory now; HostUnavailable when the host keeps none
        that can be read here, with the reason."""
        container_id, pid = self._processes[role]
        version, directory = memory_cgroup(container_id, pid, self._proc, self._root)
        return read_memory(version, directory, self._proc)
