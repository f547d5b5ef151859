"""run.json as a type: what was asked, how it was placed, what ran it, and how it ended.

The runner builds a RunDocument when the run starts (`started`) and replaces it as the
run goes on (`dataclasses.replace` with the stack's limits, the calibration, the ceiling;
then `finished` and `resumed`), writing each version with RunStore.write_run. The
sections the engine and the host describe (parameters, placement, provenance...) stay
JSON objects: they are labelled facts that readers show or compare, not values the lab
computes with.

A key keeps the place it first had in the file: a run interrupted before its calibration
and then resumed has `calibration` after `trials`, as the lab has always written it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from lab.model.deployment import recorded_deployments
from lab.results.jsonfields import (
    ABSENT,
    NUMBER,
    Absent,
    JsonObject,
    nullable,
    objects,
    optional,
    required,
    strings,
    version,
)
from lab.results.schema import RUN_KIND, RUN_SCHEMA_VERSION


@dataclass(frozen=True, slots=True)
class TrialCounts:
    planned: int
    ok: int
    failed: int

    def to_dict(self) -> JsonObject:
        return {"planned": self.planned, "ok": self.ok, "failed": self.failed}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrialCounts:
        where = "trials"
        return cls(
            planned=required(data, "planned", int, where),
            ok=required(data, "ok", int, where),
            failed=required(data, "failed", int, where),
        )


@dataclass(frozen=True, slots=True)
class RerunOf:
    """The run whose parameters and images a `lab rerun` repeated."""

    run_id: str
    run_dir: str

    def to_dict(self) -> JsonObject:
        return {"run_id": self.run_id, "run_dir": self.run_dir}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RerunOf:
        where = "rerun_of"
        return cls(required(data, "run_id", str, where), required(data, "run_dir", str, where))


# Keys whose null is a value (not finished yet); the others are left out when None.
_NULLABLE = frozenset({"finished_at"})
# The sections kept as the JSON objects written (besides `parameters`, the one required).
_SECTIONS = (
    "effective",
    "placement",
    "provenance",
    "applied",
    "isolation",
    "calibration",
    "ceiling",
    "open_ceiling",
    "shard",
    "merge",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class RunDocument:
    """run.json, its fields in the file's order. None: the key is not in the file (an older
    run, or a step not reached yet)."""

    schema_version: int = RUN_SCHEMA_VERSION
    kind: str = RUN_KIND
    run_id: str
    status: str
    created_at: str | None = None
    # null while the run is going on.
    finished_at: str | Absent | None = ABSENT
    parameters: Mapping[str, Any] = field(hash=False)
    effective: Mapping[str, Any] | None = field(default=None, hash=False)
    placement: Mapping[str, Any] | None = field(default=None, hash=False)
    plan: tuple[Mapping[str, Any], ...] | None = field(default=None, hash=False)
    estimate_s: float | None = None
    # A shard of a plan (`lab run --shard I/N`): its index, count, rounds and the plan's hash.
    shard: Mapping[str, Any] | None = field(default=None, hash=False)
    # A run made by `lab merge`: its shards, each with its folder, host and rounds.
    merge: Mapping[str, Any] | None = field(default=None, hash=False)
    provenance: Mapping[str, Any] | None = field(default=None, hash=False)
    rerun_of: RerunOf | None = None
    applied: Mapping[str, Any] | None = field(default=None, hash=False)
    isolation: Mapping[str, Any] | None = field(default=None, hash=False)
    calibration: Mapping[str, Any] | None = field(default=None, hash=False)
    ceiling: Mapping[str, Any] | None = field(default=None, hash=False)
    # Open mode: the generator's own ceiling against the static server (open-ceiling.json).
    open_ceiling: Mapping[str, Any] | None = field(default=None, hash=False)
    elapsed_s: float | None = None
    # Why a run that did not complete stopped (the engine, its ground, the disk, Ctrl-C).
    reason: str | None = None
    trials: TrialCounts | None = None
    resumed_at: tuple[str, ...] | None = None
    # The keys in the order the file had them; new keys follow, in the fields' order.
    key_order: tuple[str, ...] = field(default=(), compare=False, repr=False)
    # Keys this lab does not know, kept so that a document read and written keeps them.
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def started(
        cls,
        *,
        run_id: str,
        created_at: str,
        parameters: Mapping[str, Any],
        effective: Mapping[str, Any],
        placement: Mapping[str, Any],
        plan: Sequence[Mapping[str, Any]],
        estimate_s: float,
        provenance: Mapping[str, Any],
        shard: Mapping[str, Any] | None = None,
    ) -> RunDocument:
        """A run that has just begun: status "running", not finished."""
        return cls(
            run_id=run_id,
            status="running",
            created_at=created_at,
            finished_at=None,
            parameters=parameters,
            effective=effective,
            placement=placement,
            plan=tuple(plan),
            estimate_s=estimate_s,
            shard=shard,
            provenance=provenance,
        )

    def finished(
        self,
        status: str,
        at: str,
        session_s: float,
        trials: TrialCounts,
        reason: str | None = None,
    ) -> RunDocument:
        """The run as it ended; elapsed_s adds this session's seconds to earlier ones'.

        `reason` says why it stopped when it did not complete; a resumed run that then
        completes has none."""
        elapsed = round(session_s, 3) + float(self.elapsed_s or 0)
        return replace(
            self, status=status, finished_at=at, elapsed_s=elapsed, trials=trials, reason=reason
        )

    def resumed(self, at: str) -> RunDocument:
        return replace(self, resumed_at=(*(self.resumed_at or ()), at))

    @property
    def host_cpus(self) -> int | None:
        """How many CPUs the engine's host has, as the run recorded it."""
        cpus = ((self.provenance or {}).get("host") or {}).get("cpus")
        return cpus if isinstance(cpus, int) and not isinstance(cpus, bool) else None

    @property
    def image_ids(self) -> dict[str, str | None]:
        """Each recorded image's ID by image name."""
        images = (self.provenance or {}).get("images")
        if not isinstance(images, Mapping):
            return {}
        return {
            str(name): image.get("id") if isinstance(image, Mapping) else None
            for name, image in images.items()
        }

    @property
    def deployments(self) -> dict[str, str]:
        """Each app's deployment label ("Flask · WSGI · gunicorn gevent"): recorded, or made
        from the recorded server for a run from before labels were; {} without either."""
        return recorded_deployments(_mapping((self.effective or {}).get("apps")))

    def to_dict(self) -> JsonObject:
        present: JsonObject = {}
        for name in _FIELD_NAMES:
            value = getattr(self, name)
            if value is ABSENT or (value is None and name not in _NULLABLE):
                continue
            present[name] = _json(value)
        present.update(self.extra)
        first = [key for key in self.key_order if key in present]
        return {key: present[key] for key in [*first, *(k for k in present if k not in first)]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunDocument:
        """Inverse of to_dict; raises ValueError naming the first bad key."""
        schema_version = version(data, RUN_SCHEMA_VERSION)
        kind = data.get("kind")
        if kind != RUN_KIND:
            raise ValueError(f"kind {kind!r}, expected {RUN_KIND!r}")
        sections = {key: optional(data, key, dict) for key in _SECTIONS}
        rerun_of = optional(data, "rerun_of", dict)
        trials = optional(data, "trials", dict)
        plan = None if data.get("plan") is None else tuple(objects(data, "plan"))
        return cls(
            run_id=required(data, "run_id", str),
            status=required(data, "status", str),
            created_at=optional(data, "created_at", str),
            finished_at=nullable(data, "finished_at", str),
            parameters=required(data, "parameters", dict),
            plan=plan,
            estimate_s=optional(data, "estimate_s", NUMBER),
            rerun_of=None if rerun_of is None else RerunOf.from_dict(rerun_of),
            elapsed_s=optional(data, "elapsed_s", NUMBER),
            reason=optional(data, "reason", str),
            trials=None if trials is None else TrialCounts.from_dict(trials),
            resumed_at=strings(data, "resumed_at"),
            schema_version=schema_version,
            kind=RUN_KIND,
            key_order=tuple(data),
            extra={key: value for key, value in data.items() if key not in _FIELD_NAMES},
            **sections,
        )


def _json(value: Any) -> Any:
    if isinstance(value, TrialCounts | RerunOf):
        return value.to_dict()
    if isinstance(value, tuple):
        return [_json(item) for item in value]
    return value


_FIELD_NAMES = tuple(f.name for f in fields(RunDocument) if f.name not in ("key_order", "extra"))


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
