"""A run's plan split into shards: `--shard I/N` runs only its share of the plan's rounds.

The plan is the whole plan, made as for a run (same seed, same rounds, every trial keeps
its index in it); a shard runs whole rounds, every cell of each, so each shard is blocked
as a run is and its ratios pair by round as a run's do (lab.analysis.blocked). Shards of
one plan carry the same plan hash, which `lab merge` checks.

Which rounds: lab.model.order mirrors every second round, so rounds 2k-1 and 2k are a
pair over which every cell sits at the same mean position (a drift linear over the pair
lands on every app alike). Plain round-robin (round r to shard (r - 1) % N + 1) splits
every pair when N is even: with 2 shards, one gets every forward round, the other every
mirrored one, and neither holds a whole pair. So, in the blocked order, whole pairs are
dealt round-robin (pair p to shard (p - 1) % N + 1) whenever there are at least as many
pairs as shards; only when there are fewer (4 rounds on 3 shards) are single rounds dealt,
since a shard with no round would be no shard. The price is balance: 8 rounds on 3 shards
are 4, 2 and 2 rounds rather than 3, 3 and 2. Shuffled rounds have no pairs and are dealt
one by one.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lab.errors import UsageError
from lab.model.order import BLOCKED

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
# Parameters that say where a run's files and roles are, not what it measures: left out
# of the plan hash, so the shards of one plan on several machines hash alike. The apps'
# code is in the images, whose IDs `lab merge` compares on their own.
UNHASHED = ("shard", "out", "app_folders", "engines")


@dataclass(frozen=True, slots=True)
class Shard:
    """Shard `index` of `count`, from 1."""

    index: int
    count: int

    @property
    def label(self) -> str:
        return f"{self.index}/{self.count}"


def as_shard(flag: str, value: object) -> Shard | None:
    """`I/N` (as typed or as run.json records it) as a Shard; N at least 1, I in 1..N."""
    if value is None or isinstance(value, Shard):
        return value
    match = _SHARD.match(value) if isinstance(value, str) else None
    if match is None:
        raise UsageError(
            f"{flag}: {value!r} is not I/N", f"give {flag} the shard and the count, e.g. 1/3"
        )
    shard = Shard(int(match[1]), int(match[2]))
    if shard.count < 1 or not 1 <= shard.index <= shard.count:
        raise UsageError(
            f"{flag} {shard.label}: shard {shard.index} is not between 1 and {shard.count}",
            f"give {flag} I/N with I from 1 to N, e.g. 1/{max(shard.count, 2)}",
        )
    return shard


def shard_label(shard: Shard | None) -> str | None:
    return None if shard is None else shard.label


def check_shard(flag: str, shard: Shard, rounds: int) -> None:
    """A shard needs a round of its own: N shards of fewer rounds are refused."""
    if shard.count > rounds:
        raise UsageError(
            f"{flag} {shard.label}: {shard.count} shards of a plan of"
            f" {rounds} round{'s' if rounds != 1 else ''}",
            f"give at most {rounds} shard{'s' if rounds != 1 else ''}, or more rounds"
            f" (--repetitions {shard.count})",
        )


def shard_rounds(shard: Shard, rounds: int, order: str) -> tuple[int, ...]:
    """The rounds (from 1) shard `shard` runs of a plan of `rounds` (see the module doc)."""
    pairs = (rounds + 1) // 2
    if order == BLOCKED and pairs >= shard.count:
        return tuple(
            r for r in range(1, rounds + 1) if ((r + 1) // 2 - 1) % shard.count == shard.index - 1
        )
    return tuple(r for r in range(1, rounds + 1) if (r - 1) % shard.count == shard.index - 1)


def plan_hash(
    trials: Sequence[Mapping[str, Any]],
    seed: int,
    parameters: Mapping[str, Any],
    effective: Mapping[str, Any],
) -> str:
    """sha256 of what decides a plan's results: every trial of the whole plan, the seed,
    the parameters but those in UNHASHED, and what the plan made of them on its host
    (wrk threads, server workers, the connection levels after rounding)."""
    content = {
        "trials": [dict(trial) for trial in trials],
        "seed": seed,
        "parameters": {k: v for k, v in parameters.items() if k not in UNHASHED},
        "effective": {k: effective.get(k) for k in ("threads", "workers", "connections")},
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ShardPlan:
    """What a shard's run.json says of it: which, of what plan, and its rounds."""

    shard: Shard
    rounds: tuple[int, ...]
    plan_rounds: int
    plan_trials: int
    plan_hash: str

    def to_dict(self) -> dict[str, object]:
        return {
            "index": self.shard.index,
            "count": self.shard.count,
            "rounds": list(self.rounds),
            "plan_rounds": self.plan_rounds,
            "plan_trials": self.plan_trials,
            "plan_hash": self.plan_hash,
        }
