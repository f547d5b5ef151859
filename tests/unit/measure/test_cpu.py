from __future__ import annotations

import copy
from typing import Any

import pytest

from lab.measure.cpu import (
    CpuUse,
    cpu_use,
    measure_cpu,
    measure_cpu_between,
    parse_docker_timestamp,
    parse_docker_timestamp_ns,
)
from lab.measure.hostcpu import ContainerCpu, Throttling
from tests.unit.fixtures import docker_stats

BEFORE = docker_stats(
    "2026-11-25T01:02:03.000000000Z",
    total_usage=10_000_000_000,
    periods=1000,
    throttled_periods=10,
    throttled_time=2_000_000_000,
)
AFTER = docker_stats(
    "2026-11-25T01:02:08.000000000Z",
    total_usage=17_500_000_000,
    periods=1050,
    throttled_periods=13,
    throttled_time=2_250_000_000,
)


def test_cpu_use_over_a_five_second_window_of_two_cpus() -> None:
    use = cpu_use(BEFORE, AFTER, allotted_cpus=2)

    # 7.5 CPU-seconds used out of 5 s x 2 CPUs = 10 available.
    assert use == CpuUse(
        cpus=2.0,
        used_s=7.5,
        window_s=5.0,
        share=0.75,
        periods=50,
        throttled_periods=3,
        throttled_s=0.25,
        basis_s=5.0,
    )


def test_fractional_allotment() -> None:
    use = cpu_use(BEFORE, AFTER, allotted_cpus=1.5)

    assert use is not None
    # 7.5 CPU-seconds out of 5 s x 1.5 CPUs: the whole allotment.
    assert use.share == 1.0
    assert use.cpus == 1.5


def test_window_keeps_nanoseconds() -> None:
    before = docker_stats("2026-11-25T01:02:03.123456789Z", total_usage=0)
    after = docker_stats("2026-11-25T01:02:04.123456790Z", total_usage=500_000_000)

    use = cpu_use(before, after, allotted_cpus=1)

    assert use is not None
    assert use.window_s == 1.000000001
    assert use.used_s == 0.5


def test_measure_cpu_gives_no_reason_when_it_succeeds() -> None:
    measurement = measure_cpu(BEFORE, AFTER, allotted_cpus=2)

    assert measurement.use is not None
    assert measurement.reason is None


def _drop(stats: dict[str, Any], *path: str) -> dict[str, Any]:
    broken = copy.deepcopy(stats)
    node = broken
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return broken


def _set(stats: dict[str, Any], value: object, *path: str) -> dict[str, Any]:
    broken = copy.deepcopy(stats)
    node = broken
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return broken


@pytest.mark.parametrize(
    ("before", "after", "reason"),
    [
        ({}, AFTER, "before snapshot: missing or non-string key 'read'"),
        (
            BEFORE,
            _drop(AFTER, "cpu_stats"),
            "after snapshot: missing key 'cpu_stats'",
        ),
        (
            _drop(BEFORE, "cpu_stats", "cpu_usage", "total_usage"),
            AFTER,
            "before snapshot: missing key 'cpu_stats.cpu_usage.total_usage'",
        ),
        (
            BEFORE,
            _drop(AFTER, "cpu_stats", "throttling_data"),
            "after snapshot: missing key 'cpu_stats.throttling_data'",
        ),
        (
            BEFORE,
            _drop(AFTER, "cpu_stats", "throttling_data", "throttled_time"),
            "after snapshot: missing key 'cpu_stats.throttling_data.throttled_time'",
        ),
        (
            BEFORE,
            _set(AFTER, "lots", "cpu_stats", "cpu_usage", "total_usage"),
            "after snapshot: key 'cpu_stats.cpu_usage.total_usage' is not a non-negative integer",
        ),
        (
            BEFORE,
            _set(AFTER, "yesterday", "read"),
            "after snapshot: not an RFC 3339 timestamp: 'yesterday'",
        ),
        (BEFORE, BEFORE, "non-positive window: 'read' advanced by 0.0 s"),
        (AFTER, BEFORE, "non-positive window: 'read' advanced by -5.0 s"),
        (
            BEFORE,
            _set(AFTER, 9_000_000_000, "cpu_stats", "cpu_usage", "total_usage"),
            "cpu_stats.cpu_usage.total_usage went backwards by 1000000000",
        ),
        (
            BEFORE,
            _set(AFTER, 9, "cpu_stats", "throttling_data", "throttled_periods"),
            "cpu_stats.throttling_data.throttled_periods went backwards by 1",
        ),
    ],
    ids=[
        "empty-before",
        "no-cpu-stats",
        "no-total-usage",
        "no-throttling-data",
        "no-throttled-time",
        "string-usage",
        "bad-timestamp",
        "zero-window",
        "negative-window",
        "usage-backwards",
        "throttled-backwards",
    ],
)
def test_unusable_snapshots_give_none_and_say_why(
    before: dict[str, Any], after: dict[str, Any], reason: str
) -> None:
    measurement = measure_cpu(before, after, allotted_cpus=2)

    assert measurement.use is None
    assert measurement.reason is not None
    assert measurement.reason.startswith(reason)
    assert cpu_use(before, after, allotted_cpus=2) is None


@pytest.mark.parametrize("allotted", [0, -1.0])
def test_non_positive_allotment_is_a_caller_bug(allotted: float) -> None:
    with pytest.raises(ValueError, match="allotted_cpus must be positive"):
        cpu_use(BEFORE, AFTER, allotted_cpus=allotted)


def test_to_dict_round_trips() -> None:
    use = cpu_use(BEFORE, AFTER, allotted_cpus=2)
    assert use is not None

    data = use.to_dict()

    assert data == {
        "cpus": 2.0,
        "used_s": 7.5,
        "window_s": 5.0,
        "share": 0.75,
        "periods": 50,
        "throttled_periods": 3,
        "throttled_s": 0.25,
        "basis_s": 5.0,
    }
    assert CpuUse.from_dict(data) == use


def test_from_dict_names_a_bad_key() -> None:
    data = {**CpuUse(1.0, 0.5, 1.0, 0.5, 10, 0, 0.0).to_dict(), "periods": 2.5}

    with pytest.raises(ValueError, match="'periods' is missing or not an integer"):
        CpuUse.from_dict(data)


def test_timestamp_keeps_nine_fraction_digits() -> None:
    assert parse_docker_timestamp_ns("1970-01-01T00:00:01.000000001Z") == 1_000_000_001
    # 2026-11-25 is 20782 days after the epoch; 01:02:03 adds 3723 s.
    assert (
        parse_docker_timestamp_ns("2026-11-25T01:02:03.123456789Z")
        == (20782 * 86400 + 3723) * 1_000_000_000 + 123456789
    )


def test_timestamp_in_seconds() -> None:
    assert parse_docker_timestamp("1970-01-01T00:00:00.5Z") == 0.5
    assert parse_docker_timestamp("2026-11-25T01:02:03Z") == 20782 * 86400 + 3723
    assert parse_docker_timestamp("2026-11-25T01:02:03.123456789Z") == pytest.approx(
        1795568523.123456789, abs=1e-6
    )


def test_timestamp_short_fractions_and_offsets() -> None:
    assert parse_docker_timestamp_ns("1970-01-01T00:00:00.25Z") == 250_000_000
    assert parse_docker_timestamp_ns("1970-01-01T01:00:00.1+01:00") == 100_000_000
    assert parse_docker_timestamp_ns("1969-12-31T23:00:00-01:00") == 0


def test_docker_zero_timestamp_parses() -> None:
    # Docker's `preread` of a first snapshot is year 1; it must not crash the parser.
    assert parse_docker_timestamp_ns("0001-01-01T00:00:00Z") == -62135596800 * 1_000_000_000


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "2026-11-25T01:02:03",
        "2026-11-25T01:02:03.1234567891Z",
        "2026-13-01T00:00:00Z",
        "2026-11-25T01:02:03.Z",
    ],
)
def test_invalid_timestamps_raise(text: str) -> None:
    with pytest.raises(ValueError, match="not an RFC 3339 timestamp"):
        parse_docker_timestamp_ns(text)


def test_share_is_over_the_load_when_the_snapshots_straddle_it_with_idle_time() -> None:
    # Snapshots 5 s apart around a 3.75 s load: 7.5 CPU-seconds on 2 CPUs, all of it busy.
    use = cpu_use(BEFORE, AFTER, allotted_cpus=2, load_s=3.75)
    assert use is not None
    assert use.window_s == 5.0
    assert use.basis_s == 3.75
    assert use.share == 1.0


def test_a_load_longer_than_the_window_does_not_stretch_it() -> None:
    use = cpu_use(BEFORE, AFTER, allotted_cpus=2, load_s=9.0)
    assert use is not None
    assert use.basis_s == 5.0
    assert use.share == 0.75


def reading(total_s: float, throttling: Throttling | None) -> ContainerCpu:
    return ContainerCpu((0, 1), total_s, None, throttling)


def test_cgroup_readings_give_the_same_use_as_the_engine_stats_of_the_same_counters() -> None:
    first = reading(10.0, Throttling(1000, 10, 2.0))
    last = reading(17.5, Throttling(1050, 13, 2.25))
    assert measure_cpu_between(first, last, 5.0, allotted_cpus=2).use == cpu_use(
        BEFORE, AFTER, allotted_cpus=2
    )
    within = measure_cpu_between(first, last, 5.0, allotted_cpus=2, load_s=4.0).use
    assert within is not None
    assert (within.basis_s, within.share) == (4.0, pytest.approx(7.5 / 8))


@pytest.mark.parametrize(
    ("first", "last", "window_s", "reason"),
    [
        (reading(1.0, None), reading(2.0, None), 1.0, "keeps no throttling counters"),
        (reading(1.0, Throttling(1, 0, 0)), reading(2.0, Throttling(2, 0, 0)), 0.0, "window"),
        (reading(3.0, Throttling(1, 0, 0)), reading(2.0, Throttling(2, 0, 0)), 1.0, "usage went"),
        (
            reading(1.0, Throttling(1, 5, 0)),
            reading(2.0, Throttling(2, 4, 0)),
            1.0,
            "nr_throttled went backwards by 1",
        ),
    ],
    ids=["no-cfs-counters", "no-window", "usage-backwards", "throttled-backwards"],
)
def test_unusable_cgroup_readings_give_none_and_say_why(
    first: ContainerCpu, last: ContainerCpu, window_s: float, reason: str
) -> None:
    measured = measure_cpu_between(first, last, window_s, allotted_cpus=1)
    assert measured.use is None
    assert reason in (measured.reason or "")
