"""`lab merge`: shards of one plan (`lab run --shard I/N`) as one run's documents.

Pure: it takes the shards' run.json and trial records as read, and returns the merged
run's run.json and records, or refuses with a UsageError that names the shard and the
field. Every trial keeps its index in the whole plan and is tagged with its shard and the
host that ran it; the merged run is complete when every round of the plan is there, and
otherwise names the rounds missing and the shards that would bring them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lab.errors import UsageError
from lab.results.records import TrialRecord
from lab.results.rundoc import RunDocument, TrialCounts


@dataclass(frozen=True, slots=True)
class ShardRun:
    """One shard's folder as read."""

    run_dir: Path
    run: RunDocument
    records: tuple[TrialRecord, ...]

    @property
    def facts(self) -> Mapping[str, Any]:
        shard = self.run.shard
        if not shard:
            raise UsageError(
                f"{self.run_dir}: not a shard (its run.json has no `shard`)",
                "give `lab merge` the folders of `lab run --shard I/N`",
            )
        return shard

    @property
    def label(self) -> str:
        return f"{self.facts['index']}/{self.facts['count']}"

    @property
    def node(self) -> str:
        """The host it ran on, from its engine and machine facts (name, ID, data root,
        hostname); the shard's folder name when its run.json has none of them."""
        provenance = self.run.provenance or {}
        engine = _mapping(provenance.get("engine"))
        host = _mapping(provenance.get("host"))
        name = host.get("hostname") or engine.get("name")
        engine_id = engine.get("id")
        root = engine.get("root")
        if not name and not engine_id:
            return f"host of {self.run_dir.name}"
        parts = [str(name or "engine")]
        if engine_id:
            parts.append(f"engine {str(engine_id)[:14]}")
        if root and root != "/var/lib/docker":
            parts.append(str(root))
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class Merged:
    run: RunDocument
    records: tuple[TrialRecord, ...]
    missing: tuple[int, ...]  # rounds of the plan no shard given ran
    unfinished: tuple[int, ...]  # rounds a shard given planned but did not finish


def merge_shards(shards: Sequence[ShardRun], run_id: str, at: str) -> Merged:
    """The merged run (see the module doc); refused when the shards are not of one plan."""
    if not shards:
        raise UsageError("lab merge: no shard folders given", "give the shards' run folders")
    first = shards[0]
    _check_alike(shards)
    records = _tagged(shards)
    plan_rounds = int(first.facts["plan_rounds"])
    count = int(first.facts["count"])
    ran = {number for shard in shards for number in shard.facts["rounds"]}
    missing = tuple(n for n in range(1, plan_rounds + 1) if n not in ran)
    unfinished = _unfinished(shards)
    given = {int(shard.facts["index"]) for shard in shards}
    ok = sum(1 for record in records if record.status == "ok")
    incomplete = [shard for shard in shards if shard.run.status != "complete"]
    status, reason = "complete", None
    if missing or unfinished or incomplete:
        status = "incomplete"
        reason = _reason(missing, unfinished, count, given, incomplete)
    parameters = {**first.run.parameters, "shard": None}
    elapsed = max((shard.run.elapsed_s or 0.0) for shard in shards)
    run = replace(
        first.run,
        run_id=run_id,
        status=status,
        reason=reason,
        created_at=min(shard.run.created_at or at for shard in shards),
        finished_at=at,
        parameters=parameters,
        # The shards' trials in the whole plan's order (a missing shard's are not known).
        plan=tuple(
            sorted(
                (trial for shard in shards for trial in (shard.run.plan or ())),
                key=lambda trial: int(trial["index"]),
            )
        ),
        estimate_s=None,
        shard=None,
        merge={
            "plan_hash": first.facts["plan_hash"],
            "plan_rounds": plan_rounds,
            "plan_trials": first.facts.get("plan_trials"),
            "missing_rounds": list(missing),
            "unfinished_rounds": list(unfinished),
            "shards": [_shard_entry(shard) for shard in _by_index(shards)],
        },
        calibration=None,
        ceiling=None,
        elapsed_s=elapsed,
        trials=TrialCounts(
            planned=int(first.facts["plan_trials"]), ok=ok, failed=len(records) - ok
        ),
        resumed_at=None,
        rerun_of=None,
        key_order=(),
    )
    return Merged(run, records, missing, unfinished)


def _unfinished(shards: Sequence[ShardRun]) -> tuple[int, ...]:
    """The rounds whose planned trials are not all on disk in the shard that planned them."""
    rounds: set[int] = set()
    for shard in shards:
        done = {record.index for record in shard.records}
        for trial in shard.run.plan or ():
            if trial.get("index") not in done:
                rounds.add(int(trial["repetition"]))
    return tuple(sorted(rounds))


def _by_index(shards: Sequence[ShardRun]) -> list[ShardRun]:
    return sorted(shards, key=lambda shard: int(shard.facts["index"]))


def _shard_entry(shard: ShardRun) -> dict[str, Any]:
    return {
        "index": shard.facts["index"],
        "count": shard.facts["count"],
        "rounds": list(shard.facts["rounds"]),
        "run_id": shard.run.run_id,
        "run_dir": str(shard.run_dir),
        "status": shard.run.status,
        "node": shard.node,
        "elapsed_s": shard.run.elapsed_s,
        "calibration": (shard.run.calibration or {}).get("score"),
        "ceiling": shard.run.ceiling,
        "engine": _mapping((shard.run.provenance or {}).get("engine")),
        "host": _mapping((shard.run.provenance or {}).get("host")),
    }


def _check_alike(shards: Sequence[ShardRun]) -> None:
    """One plan, one set of images, each shard and each trial once."""
    first = shards[0]
    seen: dict[str, ShardRun] = {}
    for shard in shards:
        facts = shard.facts
        for field in ("plan_hash", "count"):
            if facts.get(field) != first.facts.get(field):
                raise _differs(
                    shard, first, f"shard.{field}", facts.get(field), first.facts.get(field)
                )
        images, theirs = first.run.image_ids, shard.run.image_ids
        for name in sorted(set(images) | set(theirs)):
            if images.get(name) != theirs.get(name):
                raise _differs(shard, first, f"image {name}", theirs.get(name), images.get(name))
        if shard.label in seen:
            raise UsageError(
                f"lab merge: shard {shard.label} given twice ({seen[shard.label].run_dir} and"
                f" {shard.run_dir})",
                "give each shard's folder once (a resumed shard keeps its folder)",
            )
        seen[shard.label] = shard
    owner: dict[int, ShardRun] = {}
    for shard in shards:
        for record in shard.records:
            if record.index in owner:
                raise UsageError(
                    f"lab merge: trial {record.index} is in shard {owner[record.index].label}"
                    f" ({owner[record.index].run_dir}) and shard {shard.label} ({shard.run_dir})",
                    "a trial belongs to one shard: give each shard of the plan once",
                )
            owner[record.index] = shard


def _differs(
    shard: ShardRun, first: ShardRun, field: str, theirs: object, ours: object
) -> UsageError:
    return UsageError(
        f"lab merge: shard {shard.label} ({shard.run_dir}) differs from shard {first.label}"
        f" ({first.run_dir}) in {field}: {_short(theirs)} against {_short(ours)}",
        "merge only shards of one plan (same flags and seed) run on the same images"
        " (`lab bundle save`/`load` carries them between machines)",
    )


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= 26 else text[:26] + "\N{HORIZONTAL ELLIPSIS}"


def _tagged(shards: Sequence[ShardRun]) -> tuple[TrialRecord, ...]:
    tagged = [
        replace(record, node=record.node or shard.node, shard=record.shard or shard.label)
        for shard in shards
        for record in shard.records
    ]
    return tuple(sorted(tagged, key=lambda record: record.index))


def _rounds(numbers: Sequence[int]) -> str:
    return ("round " if len(numbers) == 1 else "rounds ") + ", ".join(map(str, numbers))


def _reason(
    missing: Sequence[int],
    unfinished: Sequence[int],
    count: int,
    given: set[int],
    incomplete: Sequence[ShardRun],
) -> str:
    parts = []
    if missing:
        absent = [f"{n}/{count}" for n in range(1, count + 1) if n not in given]
        noun = "shard" if len(absent) == 1 else "shards"
        parts.append(f"{_rounds(missing)} missing ({noun} {', '.join(absent)} not given)")
    if unfinished:
        parts.append(f"{_rounds(unfinished)} unfinished")
    for shard in incomplete:
        parts.append(
            f"shard {shard.label} {shard.run.status}"
            f"{': ' + shard.run.reason if shard.run.reason else ''}"
        )
    return "; ".join(parts)


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
