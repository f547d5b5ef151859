"""The merge's own rules, on documents made here: the host a shard names, what a merged
run says is missing, and a trial claimed by two shards."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from lab.errors import UsageError
from lab.results.merging import ShardRun, merge_shards
from lab.results.records import TrialRecord
from lab.results.rundoc import RunDocument
from tests.unit.fixtures import trial

AT = "2026-12-08T02:00:00.000+00:00"


def shard_run(index: int, count: int, rounds: list[int], **provenance: Any) -> ShardRun:
    records = [replace(trial(n), repetition=n) for n in rounds]
    run = RunDocument.started(
        run_id=f"shard-{index}",
        created_at=AT,
        parameters={"preset": "quick", "shard": f"{index}/{count}"},
        effective={},
        placement={},
        plan=[{"index": n, "repetition": n} for n in rounds],
        estimate_s=1.0,
        provenance={"images": {"aio": {"id": "sha256:1"}}, **provenance},
        shard={
            "index": index,
            "count": count,
            "rounds": rounds,
            "plan_rounds": count * 2,
            "plan_trials": count * 2,
            "plan_hash": "sha256:abc",
        },
    )
    return ShardRun(Path(f"/r/shard-{index}"), replace(run, status="complete"), tuple(records))


def test_the_host_is_named_by_machine_and_engine_and_data_root_when_not_the_default() -> None:
    made = shard_run(
        1,
        2,
        [1, 2],
        engine={"id": "4XQF:ABCD:EFGH:IJKL", "root": "/srv/d2/data"},
        host={"hostname": "node-a"},
    )
    assert made.node == "node-a engine 4XQF:ABCD:EFGH /srv/d2/data"
    assert shard_run(2, 2, [3, 4]).node == "host of shard-2"


def test_every_missing_shard_and_its_rounds_are_named() -> None:
    merged = merge_shards([shard_run(1, 3, [1, 2])], "m", AT)
    assert merged.run.status == "incomplete"
    assert merged.run.reason == "rounds 3, 4, 5, 6 missing (shards 2/3, 3/3 not given)"
    assert merged.missing == (3, 4, 5, 6)
    records: tuple[TrialRecord, ...] = merged.records
    assert {(r.shard, r.node) for r in records} == {("1/3", "host of shard-1")}


def test_a_trial_in_two_shards_is_refused_naming_both() -> None:
    with pytest.raises(UsageError, match=r"trial 2 is in shard 1/2 .* and shard 2/2"):
        merge_shards([shard_run(1, 2, [1, 2]), shard_run(2, 2, [2, 3])], "m", AT)


def test_a_run_that_is_no_shard_is_refused() -> None:
    made = shard_run(1, 2, [1, 2])
    plain = replace(made, run=replace(made.run, shard=None))
    with pytest.raises(UsageError, match="not a shard"):
        merge_shards([plain], "m", AT)
