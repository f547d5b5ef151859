"""The app container's memory read from a /proc and a cgroup tree of either version."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.engine.hostprobe import HostWatch
from lab.engine.port import HostUnavailable
from lab.measure.memory import MIB, PARENT, WORKER

CONTAINER = "c0ffee" * 10
PID = 4242
PROC_STAT = "cpu  1 0 1 10 0 0 0 0 0 0\ncpu0 1 0 1 10 0 0 0 0 0 0\n"
V1 = f"cpu,cpuacct/docker/{CONTAINER}"
V1_FILES = {f"{V1}/cpuacct.usage_percpu": "1500000000\n", f"{V1}/cpu.stat": "nr_periods 1\n"}


def rollup(rss_kb: int, pss_kb: int) -> str:
    return f"00400000-7fff0000 ---p 00000000 00:00 0 [rollup]\nRss: {rss_kb} kB\nPss: {pss_kb} kB\n"


def host(tmp_path: Path, cgroup: str, files: dict[str, str]) -> tuple[Path, Path]:
    """A /proc with a gunicorn master (PID) and two workers, and a cgroup root of `files`."""
    proc, root = tmp_path / "proc", tmp_path / "cgroup"
    processes = {PID: (1, "master", rollup(30720, 20480))}
    processes |= {PID + n: (PID, "worker", rollup(61440, 40960 + n * 1024)) for n in (1, 2)}
    for pid, (parent, kind, maps) in processes.items():
        folder = proc / str(pid)
        folder.mkdir(parents=True)
        (folder / "cgroup").write_text(cgroup)
        (folder / "stat").write_text(f"{pid} (gunicorn) S {parent} {pid} 1 0\n")
        (folder / "cmdline").write_bytes(f"gunicorn: {kind} [app:app]\0".encode())
        (folder / "smaps_rollup").write_text(maps)
    (proc / "stat").write_text(PROC_STAT)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return proc, root


def watch(proc: Path, root: Path) -> HostWatch:
    return HostWatch({"app": (CONTAINER, PID)}, {"app": (0,)}, proc=proc, root=root)


def v1_memory(procs: str, peak: str = f"{200 * MIB}\n") -> dict[str, str]:
    where = f"memory/docker/{CONTAINER}"
    return {
        f"{where}/memory.max_usage_in_bytes": peak,
        f"{where}/memory.usage_in_bytes": f"{150 * MIB}\n",
        f"{where}/memory.stat": f"cache {30 * MIB}\nrss {100 * MIB}\ntotal_rss {100 * MIB}\n",
        f"{where}/cgroup.procs": procs,
    }


V1_CGROUP = f"12:cpu,cpuacct:/docker/{CONTAINER}\n9:memory:/docker/{CONTAINER}\n"
ALL = f"{PID}\n{PID + 1}\n{PID + 2}\n"


def test_v1_gives_the_peak_the_end_the_anonymous_part_and_each_process(tmp_path: Path) -> None:
    proc, root = host(tmp_path, V1_CGROUP, V1_FILES | v1_memory(ALL))
    memory = watch(proc, root).memory("app")
    assert memory.cgroup == "v1"
    assert (memory.peak_bytes, memory.current_bytes) == (200 * MIB, 150 * MIB)
    assert memory.anon_bytes == 100 * MIB
    assert [(p.pid, p.role) for p in memory.processes] == [
        (PID, PARENT),
        (PID + 1, WORKER),
        (PID + 2, WORKER),
    ]
    assert memory.processes[0].command == "gunicorn: master [app:app]"
    assert (memory.processes[1].rss_bytes, memory.processes[1].pss_bytes) == (60 * MIB, 41 * MIB)
    assert memory.worker_bytes == 41.5 * MIB


def test_v2_reads_memory_peak_and_current(tmp_path: Path) -> None:
    where = f"system.slice/docker-{CONTAINER}.scope"
    files = {
        f"{where}/cpu.stat": "usage_usec 1500000\nnr_periods 1\nnr_throttled 0\nthrottled_usec 0\n",
        f"{where}/memory.peak": f"{300 * MIB}\n",
        f"{where}/memory.current": f"{250 * MIB}\n",
        f"{where}/memory.stat": f"anon {200 * MIB}\nfile {50 * MIB}\n",
        f"{where}/cgroup.procs": ALL,
    }
    proc, root = host(tmp_path, f"0::/{where}\n", files)
    memory = watch(proc, root).memory("app")
    assert (memory.cgroup, memory.peak_bytes, memory.current_bytes) == ("v2", 300 * MIB, 250 * MIB)
    assert memory.anon_bytes == 200 * MIB


def test_a_cgroup_that_keeps_no_peak_gives_none_rather_than_a_guess(tmp_path: Path) -> None:
    files = V1_FILES | v1_memory(ALL)
    del files[f"memory/docker/{CONTAINER}/memory.max_usage_in_bytes"]
    proc, root = host(tmp_path, V1_CGROUP, files)
    memory = watch(proc, root).memory("app")
    assert memory.peak_bytes is None
    assert memory.current_bytes == 150 * MIB


def test_a_process_gone_or_a_zombie_is_left_out(tmp_path: Path) -> None:
    proc, root = host(tmp_path, V1_CGROUP, V1_FILES | v1_memory(ALL + "9999\n"))
    (proc / str(PID + 2) / "smaps_rollup").write_text("")  # a zombie has no maps
    memory = watch(proc, root).memory("app")
    assert [p.pid for p in memory.processes] == [PID, PID + 1]


def test_a_host_without_a_memory_controller_says_so(tmp_path: Path) -> None:
    proc, root = host(tmp_path, f"12:cpu,cpuacct:/docker/{CONTAINER}\n", V1_FILES)
    with pytest.raises(HostUnavailable, match="no memory controller"):
        watch(proc, root).memory("app")


def test_an_unreadable_memory_cgroup_says_so(tmp_path: Path) -> None:
    files = V1_FILES | v1_memory(ALL)
    del files[f"memory/docker/{CONTAINER}/memory.usage_in_bytes"]
    proc, root = host(tmp_path, V1_CGROUP, files)
    with pytest.raises(HostUnavailable, match="memory cgroup is unreadable"):
        watch(proc, root).memory("app")
