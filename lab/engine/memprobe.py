"""Reading the app container's memory on the engine's host: its cgroup and its processes.

As hostprobe's CPU readings, only where the engine runs on this host; the container is
found from its main process's /proc/<pid>/cgroup, the way its CPU accounting is. The
figures' meaning is lab.measure.memory's.
"""

from __future__ import annotations

import os
from pathlib import Path

from lab.engine.port import HostUnavailable
from lab.measure.memory import (
    ContainerMemory,
    ProcessReading,
    anon_bytes,
    command_line,
    parse_byte_count,
    parse_memory_stat,
    parse_parent_pid,
    parse_smaps_rollup,
    with_roles,
)

# (peak, usage at the end) in each hierarchy.
_FILES = {
    "v1": ("memory.max_usage_in_bytes", "memory.usage_in_bytes"),
    "v2": ("memory.peak", "memory.current"),
}


def memory_cgroup(container_id: str, pid: int, proc: Path, root: Path) -> tuple[str, Path]:
    """("v1" or "v2", the directory) of the container's memory cgroup; HostUnavailable
    when the host keeps none here."""
    try:
        text = (proc / str(pid) / "cgroup").read_text()
    except OSError as exc:
        raise HostUnavailable(f"/proc/{pid}/cgroup is not readable: {exc.strerror}") from exc
    if container_id not in text:
        raise HostUnavailable(f"/proc/{pid} here is not the container's process")
    unified = None
    for line in text.splitlines():
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            for mount in ("memory", controllers):
                if (root / mount).is_dir():
                    return "v1", root / mount / path.lstrip("/")
        if controllers == "":
            unified = root / path.lstrip("/")
    if unified is not None and (unified / "memory.current").is_file():
        return "v2", unified
    raise HostUnavailable(f"/proc/{pid}/cgroup names no memory controller")


def read_memory(version: str, directory: Path, proc: Path) -> ContainerMemory:
    """The cgroup's figures and each of its processes' now."""
    peak_file, current_file = _FILES[version]
    try:
        current = parse_byte_count((directory / current_file).read_text(), current_file)
        stat = parse_memory_stat((directory / "memory.stat").read_text())
        pids = [int(line) for line in (directory / "cgroup.procs").read_text().split()]
    except (OSError, ValueError) as exc:
        raise HostUnavailable(f"the app container's memory cgroup is unreadable: {exc}") from exc
    try:
        peak: int | None = parse_byte_count((directory / peak_file).read_text(), peak_file)
    except FileNotFoundError:
        peak = None  # cgroup v2 keeps memory.peak since Linux 5.19
    except (OSError, ValueError) as exc:
        raise HostUnavailable(f"the app container's {peak_file} is unreadable: {exc}") from exc
    readings = [reading for pid in pids if (reading := _process(proc / str(pid))) is not None]
    return ContainerMemory(
        cgroup=version,
        peak_bytes=peak,
        current_bytes=current,
        anon_bytes=anon_bytes(stat),
        processes=with_roles(readings),
    )


def _process(folder: Path) -> ProcessReading | None:
    """One process's memory; None when it ended between the listing and the reading."""
    try:
        parent = parse_parent_pid((folder / "stat").read_text())
        command = command_line((folder / "cmdline").read_bytes())
        try:
            maps = (folder / "smaps_rollup").read_text()
        except PermissionError:
            # Without the right to read its maps, statm still gives the resident pages.
            resident_pages = int((folder / "statm").read_text().split()[1])
            rss, pss = resident_pages * os.sysconf("SC_PAGE_SIZE"), None
        else:
            if not maps:
                return None  # a zombie: it has no memory left, only its exit status
            rollup = parse_smaps_rollup(maps)
            rss, pss = rollup["Rss"], rollup.get("Pss")
    except (FileNotFoundError, ProcessLookupError):
        return None
    except (OSError, ValueError, IndexError) as exc:
        raise HostUnavailable(f"{folder}'s memory is unreadable: {exc}") from exc
    return ProcessReading(int(folder.name), parent, command, rss, pss)
