"""The memory files parsed, the processes told apart, and the reading written and read back."""

from __future__ import annotations

import pytest

from lab.measure.memory import (
    MIB,
    PARENT,
    WORKER,
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

SMAPS_ROLLUP = """\
55d4c8a5e000-7ffd1b3f2000 ---p 00000000 00:00 0                          [rollup]
Rss:               92160 kB
Pss:               70656 kB
Pss_Anon:          66560 kB
Pss_File:           4096 kB
Shared_Clean:      20480 kB
Private_Dirty:     66560 kB
"""


def test_smaps_rollup_gives_rss_and_pss_in_bytes() -> None:
    rollup = parse_smaps_rollup(SMAPS_ROLLUP)
    assert rollup["Rss"] == 90 * MIB
    assert rollup["Pss"] == 69 * MIB
    assert rollup["Pss_Anon"] == 65 * MIB


def test_smaps_rollup_without_rss_is_refused() -> None:
    with pytest.raises(ValueError, match="no Rss line"):
        parse_smaps_rollup("55d4c8a5e000-7ffd1b3f2000 ---p 00000000 00:00 0 [rollup]\n")


def test_the_parent_pid_follows_a_command_with_spaces_and_parentheses() -> None:
    assert parse_parent_pid("812 (gunicorn: (worker) [app]) S 800 812 812 0 -1\n") == 800
    with pytest.raises(ValueError, match="no parent pid"):
        parse_parent_pid("812 gunicorn S")


def test_memory_stat_gives_the_anonymous_memory_of_either_version() -> None:
    v1 = parse_memory_stat("cache 4096\nrss 8192\ntotal_cache 4096\ntotal_rss 8192\n")
    v2 = parse_memory_stat("anon 12288\nfile 4096\nkernel_stack 16384\n")
    assert (anon_bytes(v1), anon_bytes(v2)) == (8192, 12288)
    assert anon_bytes(parse_memory_stat("cache 1\n")) is None


def test_a_byte_count_names_its_file_when_it_is_not_one() -> None:
    assert parse_byte_count("1048576\n", "memory.peak") == MIB
    with pytest.raises(ValueError, match=r"memory.peak: not a number of bytes: 'max'"):
        parse_byte_count("max\n", "memory.peak")


def test_a_process_with_a_child_in_the_container_is_its_parent() -> None:
    readings = [
        ProcessReading(902, 900, "gunicorn: worker [app:app]", 60 * MIB, 45 * MIB),
        ProcessReading(900, 880, "gunicorn: master [app:app]", 30 * MIB, 20 * MIB),
        ProcessReading(901, 900, "gunicorn: worker [app:app]", 62 * MIB, 47 * MIB),
    ]
    memory = ContainerMemory("v1", 200 * MIB, 150 * MIB, 120 * MIB, with_roles(readings))
    assert [(p.pid, p.role) for p in memory.processes] == [
        (900, PARENT),
        (901, WORKER),
        (902, WORKER),
    ]
    assert memory.worker_bytes == 46 * MIB
    assert memory.parent_bytes == 20 * MIB


def test_a_single_process_server_is_its_own_worker_and_rss_stands_in_for_pss() -> None:
    (alone,) = with_roles([ProcessReading(700, 650, "uvicorn app:app", 40 * MIB, None)])
    memory = ContainerMemory("v2", None, 50 * MIB, 30 * MIB, (alone,))
    assert alone.role == WORKER
    assert memory.worker_bytes == 40 * MIB
    assert memory.parent_bytes is None


def test_a_reading_is_written_and_read_back_unchanged() -> None:
    processes = with_roles(
        [ProcessReading(1, 0, "master", MIB, MIB), ProcessReading(2, 1, "worker", 2 * MIB, None)]
    )
    memory = ContainerMemory("v2", None, 3 * MIB, 2 * MIB, processes)
    assert ContainerMemory.from_dict(memory.to_dict()) == memory


def test_a_bad_reading_names_its_key() -> None:
    data = ContainerMemory("v1", MIB, MIB, None, ()).to_dict()
    with pytest.raises(ValueError, match=r"'memory.current_bytes'"):
        ContainerMemory.from_dict({**data, "current_bytes": "1 MiB"})
    process = {"pid": 1, "parent_pid": 0, "command": "x", "role": "boss", "rss_bytes": 1}
    with pytest.raises(ValueError, match=r"'memory.processes\[0\].role'"):
        ContainerMemory.from_dict({**data, "processes": [process]})


def test_a_command_line_is_one_line_cut_to_its_limit() -> None:
    assert command_line(b"gunicorn\0--workers\x002\0") == "gunicorn --workers 2"
    assert command_line(b"x" * 200, limit=10) == "x" * 9 + "\N{HORIZONTAL ELLIPSIS}"
