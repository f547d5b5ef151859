"""The host probe reads a container's CPU counters from its cgroup files, in either version."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.engine.hostprobe import HostWatch
from lab.engine.port import HostUnavailable
from lab.measure.hostcpu import Throttling

CONTAINER = "c0ffee" * 10
PID = 4242
PROC_STAT = "cpu  1 0 1 10 0 0 0 0 0 0\ncpu0 1 0 1 10 0 0 0 0 0 0\n"
V1_CPU_STAT = "nr_periods 120\nnr_throttled 7\nthrottled_time 35000000\n"


def host(tmp_path: Path, cgroup: str, files: dict[str, str]) -> tuple[Path, Path]:
    """A /proc with the container's process and a cgroup root holding `files`."""
    proc, root = tmp_path / "proc", tmp_path / "cgroup"
    (proc / str(PID)).mkdir(parents=True)
    (proc / str(PID) / "cgroup").write_text(cgroup)
    (proc / "stat").write_text(PROC_STAT)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return proc, root


def watch(proc: Path, root: Path) -> HostWatch:
    return HostWatch({"app": (CONTAINER, PID)}, {"app": (0,)}, proc=proc, root=root)


def test_v1_with_cpu_and_cpuacct_joined(tmp_path: Path) -> None:
    where = f"cpu,cpuacct/docker/{CONTAINER}"
    proc, root = host(
        tmp_path,
        f"12:cpu,cpuacct:/docker/{CONTAINER}\n0::/\n",
        {f"{where}/cpuacct.usage_percpu": "1500000000 0\n", f"{where}/cpu.stat": V1_CPU_STAT},
    )
    probe = watch(proc, root)
    app = probe.sample().containers["app"]
    assert app.total_s == pytest.approx(1.5)
    assert app.throttling == Throttling(120, 7, pytest.approx(0.035))
    assert probe.keeps_throttling


def test_v1_with_cpu_and_cpuacct_mounted_apart(tmp_path: Path) -> None:
    proc, root = host(
        tmp_path,
        f"4:cpu:/docker/{CONTAINER}\n3:cpuacct:/docker/{CONTAINER}\n",
        {
            f"cpuacct/docker/{CONTAINER}/cpuacct.usage_percpu": "0 250000000\n",
            f"cpu/docker/{CONTAINER}/cpu.stat": V1_CPU_STAT,
        },
    )
    app = watch(proc, root).sample().containers["app"]
    assert app.per_cpu_s == {0: 0.0, 1: 0.25}
    assert app.throttling == Throttling(120, 7, pytest.approx(0.035))


def test_v2_reads_usage_and_throttling_from_one_cpu_stat(tmp_path: Path) -> None:
    scope = f"system.slice/docker-{CONTAINER}.scope"
    stat = "usage_usec 2500000\nnr_periods 40\nnr_throttled 2\nthrottled_usec 1500\n"
    proc, root = host(tmp_path, f"0::/{scope}\n", {f"{scope}/cpu.stat": stat})
    app = watch(proc, root).sample().containers["app"]
    assert app.total_s == pytest.approx(2.5)
    assert app.throttling == Throttling(40, 2, pytest.approx(0.0015))


def test_v2_without_the_cpu_controller_has_usage_but_no_throttling(tmp_path: Path) -> None:
    scope = f"system.slice/docker-{CONTAINER}.scope"
    proc, root = host(tmp_path, f"0::/{scope}\n", {f"{scope}/cpu.stat": "usage_usec 7\n"})
    probe = watch(proc, root)
    app = probe.sample().containers["app"]
    assert app.total_s == pytest.approx(7e-6)
    assert app.throttling is None
    assert not probe.keeps_throttling


def test_another_pid_namespace_is_refused_with_the_reason(tmp_path: Path) -> None:
    proc, root = host(tmp_path, "0::/init.scope\n", {})
    with pytest.raises(HostUnavailable, match="another pid namespace"):
        watch(proc, root)
