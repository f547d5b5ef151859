"""The host's evidence: /proc/stat and cgroup files read, and a window's shares computed."""

from __future__ import annotations

import json

import pytest

from lab.measure.hostcpu import (
    ContainerCpu,
    CpuTimes,
    HostEvidence,
    HostSample,
    Throttling,
    host_evidence,
    parse_cpu_stat_throttling,
    parse_cpu_stat_usage,
    parse_proc_stat,
    parse_usage_percpu,
)

PROC_STAT = """cpu  9020 0 4292 1443036 512 0 87 300 0 0
cpu0 2175 0 1696 724271 54 0 9 178 0 0
cpu1 6844 0 2595 718765 458 0 77 122 0 0
intr 1234 0 0
ctxt 5678
"""


def times(user: float = 0.0, system: float = 0.0, softirq: float = 0.0, steal: float = 0.0):
    return CpuTimes(user, 0.0, system, 0.0, 0.0, 0.0, softirq, steal)


def test_proc_stat_gives_each_cpu_in_seconds_and_skips_the_total() -> None:
    cpus = parse_proc_stat(PROC_STAT, ticks_per_s=100)
    assert sorted(cpus) == [0, 1]
    assert cpus[1].user == pytest.approx(68.44)
    assert cpus[1].softirq == pytest.approx(0.77)
    assert cpus[1].steal == pytest.approx(1.22)
    assert cpus[0].tasks == pytest.approx(21.75 + 16.96)


@pytest.mark.parametrize(
    ("text", "words"),
    [("cpu0 1 2 3\n", "3 columns"), ("cpu0 1 2 x 4 5 6 7 8\n", "unreadable"), ("intr 1\n", "no")],
)
def test_proc_stat_refuses_what_it_cannot_read(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_proc_stat(text, ticks_per_s=100)


def test_cgroup_files_read_in_seconds() -> None:
    assert parse_usage_percpu("1000000000 500000000 \n") == {0: 1.0, 1: 0.5}
    assert parse_cpu_stat_usage("usage_usec 2500000\nuser_usec 1\n") == 2.5
    with pytest.raises(ValueError, match="usage_usec"):
        parse_cpu_stat_usage("user_usec 1\n")


def test_cfs_counters_read_from_either_cgroup_version() -> None:
    v1 = "nr_periods 120\nnr_throttled 7\nthrottled_time 35000000\n"
    v2 = "usage_usec 9\nnr_periods 120\nnr_throttled 7\nthrottled_usec 35000\n"
    assert parse_cpu_stat_throttling(v1) == Throttling(120, 7, 0.035)
    assert parse_cpu_stat_throttling(v2) == Throttling(120, 7, 0.035)
    with pytest.raises(ValueError, match="throttled_usec"):
        parse_cpu_stat_throttling("usage_usec 9\nuser_usec 1\n")  # v2 without the cpu controller
    with pytest.raises(ValueError, match="nr_throttled"):
        parse_cpu_stat_throttling("nr_periods 1\nthrottled_usec 0\n")
    with pytest.raises(ValueError, match="not an integer"):
        parse_cpu_stat_throttling("nr_periods x\n")


def sample(at: float, cpus: dict[int, CpuTimes], app_s: float, controller_s: float = 0.0):
    app = ContainerCpu((1,), app_s, {0: 0.0, 1: app_s})
    load = ContainerCpu((0,), at * 0.3, {0: at * 0.3, 1: 0.0})
    return HostSample(at, cpus, {"app": app, "wrk": load}, controller_s)


def test_a_window_attributes_the_run_and_finds_what_else_ran() -> None:
    before = sample(0.0, {0: times(), 1: times()}, app_s=0.0)
    # 10 s: the app ran 8 s on CPU 1, something else 1.5 s; CPU 0: wrk 3 s, softirq 0.4 s.
    after = sample(
        10.0,
        {0: times(user=2.0, system=1.0, softirq=0.4), 1: times(user=7.0, system=2.5, steal=0.2)},
        app_s=8.0,
        controller_s=0.05,
    )
    evidence = host_evidence(before, after, {"app": (1,), "wrk": (0,)})
    assert evidence is not None
    cpu0, cpu1 = evidence.cpus
    assert (cpu1.cpu, cpu1.roles) == (1, ("app",))
    assert cpu1.share("foreign") == pytest.approx(0.15)
    assert cpu1.share("steal") == pytest.approx(0.02)
    assert cpu0.share("foreign") == pytest.approx(0.0)
    assert cpu0.share("softirq") == pytest.approx(0.04)
    assert evidence.controller_share == pytest.approx(0.005)
    assert evidence.attribution == "per-cpu"
    assert evidence.to_dict()["cpus"][1]["foreign_share"] == pytest.approx(0.15)


def test_tick_sampling_never_gives_a_negative_foreign_time() -> None:
    before = sample(0.0, {0: times(), 1: times()}, app_s=0.0)
    after = sample(1.0, {0: times(user=0.3), 1: times(user=0.97)}, app_s=1.0)
    evidence = host_evidence(before, after, {"app": (1,), "wrk": (0,)})
    assert evidence is not None
    assert evidence.cpus[1].foreign_s == 0.0


def test_without_a_per_cpu_breakdown_time_is_spread_over_the_cpuset() -> None:
    spread = ContainerCpu((0, 1), 4.0)
    assert spread.on(0) == spread.on(1) == 2.0
    assert spread.on(2) == 0.0


def test_no_evidence_for_an_empty_window_or_a_missing_cpu() -> None:
    first = sample(1.0, {0: times(), 1: times()}, app_s=0.0)
    assert host_evidence(first, first, {"app": (1,)}) is None
    later = sample(2.0, {0: times(), 1: times()}, app_s=0.0)
    assert host_evidence(first, later, {"app": (3,)}) is None


def test_evidence_reads_back_from_its_file_form_and_refuses_a_damaged_one() -> None:
    before = sample(0.0, {0: times(), 1: times()}, app_s=0.0)
    after = sample(10.0, {0: times(user=3.0, softirq=0.4), 1: times(user=9.5)}, app_s=8.0)
    evidence = host_evidence(before, after, {"app": (1,), "wrk": (0,)})
    assert evidence is not None
    written = json.loads(json.dumps(evidence.to_dict()))
    assert HostEvidence.from_dict(written) == evidence
    assert written["cpus"][1]["foreign_share"] == evidence.cpus[1].share("foreign")
    for key, value, words in (
        ("window_s", 0, "window_s"),
        ("attribution", "guessed", "attribution"),
        ("cpus", [{"cpu": 1}], "roles"),
    ):
        with pytest.raises(ValueError, match=words):
            HostEvidence.from_dict({**written, key: value})
