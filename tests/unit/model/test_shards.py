"""--shard I/N: its flag, its refusals, its rounds and the plan's hash."""

from __future__ import annotations

from typing import Any

import pytest

from lab.errors import UsageError
from lab.model.config import build_config, config_from_dict
from lab.model.order import BLOCKED, SHUFFLED
from lab.model.plan import blueprint
from lab.model.shards import Shard, as_shard, shard_rounds
from tests.unit.fixtures import usage_error


def config(**overrides: Any) -> Any:
    return build_config("quick", {"repetitions": 8, **overrides})


def test_the_flag_reads_i_of_n_and_records_it_as_typed() -> None:
    made = config(shard="2/3")
    assert made.shard == Shard(2, 3)
    assert made.to_dict()["shard"] == "2/3"
    assert config_from_dict(made.to_dict()).shard == Shard(2, 3)
    assert config().to_dict()["shard"] is None


@pytest.mark.parametrize(
    ("value", "parts"),
    [
        ("2", ["--shard", "'2' is not I/N"]),
        ("0/2", ["--shard 0/2", "not between 1 and 2"]),
        ("3/2", ["--shard 3/2", "not between 1 and 2"]),
        ("a/b", ["is not I/N"]),
    ],
)
def test_a_shard_outside_1_to_n_is_refused(value: str, parts: list[str]) -> None:
    with pytest.raises(UsageError) as excinfo:
        as_shard("--shard", value)
    usage_error(excinfo, *parts)


@pytest.mark.parametrize(
    ("overrides", "parts"),
    [
        ({"shard": "1/9"}, ["--shard 1/9", "9 shards of a plan of 8 rounds"]),
        ({"shard": "1/2", "target_ci_pct": 5}, ["--shard with --target-ci", "whole run"]),
        ({"shard": "1/2", "gate_pct": 5, "apps": "aio,flask"}, ["--shard with --gate"]),
        ({"shard": "1/2", "aa": "aio"}, ["--shard with --aa"]),
        ({"shard": "1/2", "mode": "open"}, ["--shard with --mode open"]),
    ],
)
def test_what_a_shard_cannot_be_is_refused_in_one_line(
    overrides: dict[str, Any], parts: list[str]
) -> None:
    with pytest.raises(UsageError) as excinfo:
        config(**overrides)
    usage_error(excinfo, *parts)


def test_blocked_rounds_are_dealt_in_mirrored_pairs() -> None:
    rounds = {i: shard_rounds(Shard(i, 2), 8, BLOCKED) for i in (1, 2)}
    assert rounds == {1: (1, 2, 5, 6), 2: (3, 4, 7, 8)}
    # 8 rounds on 3 shards: 4 pairs dealt, 4, 2 and 2 rounds.
    assert [shard_rounds(Shard(i, 3), 8, BLOCKED) for i in (1, 2, 3)] == [
        (1, 2, 7, 8),
        (3, 4),
        (5, 6),
    ]


def test_fewer_pairs_than_shards_deal_single_rounds_and_shuffled_rounds_always() -> None:
    assert [shard_rounds(Shard(i, 3), 4, BLOCKED) for i in (1, 2, 3)] == [(1, 4), (2,), (3,)]
    assert shard_rounds(Shard(1, 2), 8, SHUFFLED) == (1, 3, 5, 7)


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8])
def test_the_shards_cover_every_round_once(count: int) -> None:
    dealt = [r for i in range(1, count + 1) for r in shard_rounds(Shard(i, count), 8, BLOCKED)]
    assert sorted(dealt) == list(range(1, 9))


def test_a_shard_runs_its_rounds_of_the_whole_plan_at_their_indices() -> None:
    whole = blueprint(config(), host_cpus=2)
    shards = [blueprint(config(shard=f"{i}/3"), host_cpus=2) for i in (1, 2, 3)]
    joined = sorted((t for s in shards for t in s.trials), key=lambda t: t.index)
    assert joined == list(whole.trials)
    assert all(s.shard is not None for s in shards)
    hashes = {s.shard.plan_hash for s in shards if s.shard is not None}
    assert len(hashes) == 1
    first = shards[0].shard
    assert first is not None
    assert first.to_dict()["rounds"] == [1, 2, 7, 8]
    assert first.plan_trials == len(whole.trials) and first.plan_rounds == 8


def test_the_plan_hash_follows_what_decides_results_not_where_they_go() -> None:
    def hashed(**overrides: Any) -> str:
        made = blueprint(config(**{"shard": "1/2", **overrides}), host_cpus=2).shard
        assert made is not None
        return made.plan_hash

    base = hashed()
    assert hashed(out="/elsewhere") == base
    assert hashed(shard="2/2") == base
    assert hashed(seed=9) != base
    assert hashed(duration_s=3) != base
    assert hashed(repetitions=6) != base
