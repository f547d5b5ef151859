from __future__ import annotations

import json

import pytest

from lab.errors import UsageError
from lab.model.config import build_config
from lab.model.cpurequest import CpuRequest
from lab.model.placement import (
    format_cpuset,
    gunicorn_workers,
    place,
    round_connection_levels,
    round_connections,
    wrk_threads,
)


def test_two_cores_app_alone_and_redis_shares_wrk() -> None:
    placement = place(CpuRequest(), 2)
    assert (placement.app.cpuset, placement.app.cpu_ids) == ("1", (1,))
    assert (placement.wrk.cpuset, placement.wrk.cpu_ids) == ("0", (0,))
    assert (placement.redis.cpuset, placement.redis.cpu_ids) == ("0", (0,))
    assert placement.notes == (
        "redis shares CPU 0 with wrk: the host has 2 CPUs, a disjoint placement needs 3",
    )


def test_three_cores_are_disjoint() -> None:
    placement = place(CpuRequest(), 3)
    assert [slot.cpuset for slot in placement.slots] == ["2", "1", "0"]
    assert placement.notes == ()


def test_four_cores_leave_cpu_0_free() -> None:
    placement = place(CpuRequest(), 4)
    assert (placement.app.cpuset, placement.wrk.cpuset, placement.redis.cpuset) == ("3", "2", "1")
    assert placement.notes == ()


def test_eight_cores_with_several_cpus_per_role() -> None:
    placement = place(CpuRequest(app=4, wrk=2, redis=1), 8)
    assert placement.app.cpu_ids == (4, 5, 6, 7)
    assert placement.app.cpuset == "4-7"
    assert placement.wrk.cpuset == "2-3"
    assert placement.redis.cpuset == "1"
    assert placement.app.cpus == 4.0
    assert placement.app.nano_cpus is None
    assert placement.notes == ()


def test_redis_never_shares_the_apps_cpus() -> None:
    for host in range(2, 9):
        for app in range(1, host):
            for wrk in range(1, host - app + 1):
                for redis in range(1, host - app + 1):
                    placement = place(CpuRequest(app=app, wrk=wrk, redis=redis), host)
                    app_ids = set(placement.app.cpu_ids)
                    assert not app_ids & set(placement.wrk.cpu_ids)
                    assert not app_ids & set(placement.redis.cpu_ids)
                    assert max(app_ids) == host - 1
                    assert len(placement.redis.cpu_ids) == redis


def test_redis_uses_free_cpus_before_sharing_wrks() -> None:
    placement = place(CpuRequest(app=1, wrk=2, redis=2), 4)
    assert placement.app.cpuset == "3"
    assert placement.wrk.cpuset == "1-2"
    assert placement.redis.cpuset == "0-1"
    assert placement.notes == (
        "redis shares CPU 1 with wrk: the host has 4 CPUs, a disjoint placement needs 5",
    )


def test_fractional_request_is_a_quota_on_whole_cpus() -> None:
    placement = place(CpuRequest(app=0.5, wrk=1, redis=0.25), 3)
    assert placement.app.cpuset == "2"
    assert placement.app.nano_cpus == 500_000_000
    assert placement.app.cpus == 0.5
    assert placement.redis.nano_cpus == 250_000_000
    assert placement.wrk.nano_cpus is None
    assert placement.wrk.cpus == 1.0


def test_fraction_above_one_takes_the_next_whole_cpu() -> None:
    placement = place(CpuRequest(app=1.5, wrk=1, redis=1), 4)
    assert placement.app.cpuset == "2-3"
    assert placement.app.nano_cpus == 1_500_000_000
    assert placement.app.cpus == 1.5


def test_app_and_wrk_that_do_not_fit() -> None:
    with pytest.raises(UsageError) as excinfo:
        place(CpuRequest(app=2, wrk=1), 2)
    error = excinfo.value
    assert "--cpus" in error.message
    assert "app=2" in error.message
    assert "has 2" in error.message
    assert "--cpus app=" in error.hint


def test_a_request_larger_than_the_host() -> None:
    with pytest.raises(UsageError) as excinfo:
        place(CpuRequest(app=16), 8)
    assert "--cpus" in excinfo.value.message
    assert "8" in excinfo.value.message


def test_redis_larger_than_the_non_app_cpus() -> None:
    with pytest.raises(UsageError) as excinfo:
        place(CpuRequest(app=1, wrk=1, redis=2), 2)
    error = excinfo.value
    assert "--cpus" in error.message
    assert "redis=2" in error.message
    assert "2" in error.message
    assert "redis=" in error.hint


def test_host_without_cpus_is_a_bug() -> None:
    with pytest.raises(ValueError, match="host_cpus"):
        place(CpuRequest(), 0)


def test_format_cpuset() -> None:
    assert format_cpuset([1]) == "1"
    assert format_cpuset([2, 3]) == "2-3"
    assert format_cpuset([0, 2]) == "0,2"
    assert format_cpuset([5, 0, 2, 3, 4]) == "0,2-5"


def test_to_dict_is_json() -> None:
    placement = place(CpuRequest(app=0.5), 2)
    data = placement.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["app"] == {
        "role": "app",
        "cpuset": "1",
        "cpu_ids": [1],
        "nano_cpus": 500_000_000,
        "cpus": 0.5,
    }
    assert data["notes"] == list(placement.notes)


def test_threads_and_workers_follow_the_cpus_unless_given() -> None:
    placement = place(CpuRequest(app=2, wrk=3, redis=1), 8)
    auto = build_config("default", {})
    assert wrk_threads(auto, placement) == 3
    assert gunicorn_workers(auto, placement) == 2
    given = build_config("default", {"threads": 4, "workers": 6})
    assert wrk_threads(given, placement) == 4
    assert gunicorn_workers(given, placement) == 6


def test_a_fractional_cpu_still_gets_one_thread_and_one_worker() -> None:
    placement = place(CpuRequest(app=0.5, wrk=0.5), 2)
    config = build_config("default", {})
    assert wrk_threads(config, placement) == 1
    assert gunicorn_workers(config, placement) == 1


@pytest.mark.parametrize(
    ("connections", "threads", "rounded"),
    [
        (200, 1, 200),
        (200, 8, 200),
        (100, 8, 104),  # a tie rounds up
        (99, 8, 96),
        (101, 8, 104),
        (8, 8, 8),
        (11, 8, 8),
        (12, 8, 16),
        (65, 3, 66),
    ],
)
def test_round_connections(connections: int, threads: int, rounded: int) -> None:
    value, note = round_connections(connections, threads)
    assert value == rounded
    assert value % threads == 0
    if rounded == connections:
        assert note is None
    else:
        assert note == (
            f"--connections {connections} rounded to {rounded} "
            f"(a multiple of {threads} wrk threads)"
        )


def test_round_connections_example_note() -> None:
    assert round_connections(100, 8) == (
        104,
        "--connections 100 rounded to 104 (a multiple of 8 wrk threads)",
    )


def test_fewer_connections_than_threads() -> None:
    with pytest.raises(UsageError) as excinfo:
        round_connections(4, 8)
    message = excinfo.value.message
    assert "--connections 4" in message
    assert "--threads 8" in message
    assert excinfo.value.hint


def test_round_connection_levels_runs_duplicates_once() -> None:
    levels, notes = round_connection_levels((100, 101, 200), 8)
    assert levels == (104, 200)
    assert notes[0] == "--connections 100 rounded to 104 (a multiple of 8 wrk threads)"
    assert any("101" in note and "once" in note for note in notes)


def test_round_connection_levels_unchanged() -> None:
    assert round_connection_levels((64, 200), 1) == ((64, 200), ())
