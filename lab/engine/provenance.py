"""Where a run comes from: its id, its images and what they are, and whether a run may be
resumed or rerun with what this engine holds.
"""

from __future__ import annotations

import datetime
import os
import platform
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lab import __version__
from lab.engine.port import Engine, ImageMissing
from lab.errors import UsageError
from lab.images import host
from lab.images.build import Built
from lab.images.labels import LOCK_HASH
from lab.images.specs import BASE_IMAGE, ImageSpec, image_specs
from lab.model.plan import Blueprint
from lab.results.legacy import lost_engine_record
from lab.results.reader import read_run_document
from lab.results.records import TrialRecord
from lab.results.rundoc import RunDocument
from lab.results.store import RunStore
from lab.text import plural


def new_run_id(preset: str, at: str) -> str:
    """ "20261201-110930-default-3f2a": sortable by start time, unique by its suffix."""
    stamp = datetime.datetime.fromisoformat(at).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{preset}-{uuid.uuid4().hex[:4]}"


# The calibration's fixed Python workload runs in this image, whatever apps a run has, so
# that calibration scores of any two runs compare.
CALIBRATION_IMAGE = "aio"


def run_images(plan: Blueprint) -> tuple[ImageSpec, ...]:
    """What a run starts containers from: the infrastructure (PostgreSQL only when a
    scenario needs it), the image the calibration runs in (aio's), and its apps' images."""
    wanted = {CALIBRATION_IMAGE, *(plan.app(name).image for name in plan.config.apps)}
    specs = image_specs(plan.catalog, wanted)
    return tuple(spec for spec in specs if spec.name != "postgres" or plan.needs_postgres)


def provenance(engine: Engine, root: Path, built: Sequence[Built]) -> dict[str, Any]:
    images: dict[str, dict[str, Any]] = {}
    for item in built:
        image = engine.image(item.image_id)
        images[item.name] = {"tag": item.tag, "id": item.image_id, "labels": image.labels}
    base_image: dict[str, Any]
    try:
        base = engine.image(BASE_IMAGE)
        base_image = {"tag": BASE_IMAGE, "id": base.id, "labels": base.labels}
    except ImageMissing:
        # A machine that received only the run's images can run them without the base.
        base_image = {"tag": BASE_IMAGE, "id": None, "labels": {}}
    facts = engine.facts()
    return {
        "lab": {"version": __version__, "git": host.git_revision(root)},
        "images": images,
        "base_image": base_image,
        "locks": {
            name: data["labels"].get(LOCK_HASH)
            for name, data in images.items()
            if data["labels"].get(LOCK_HASH, "none") != "none"
        },
        "engine": facts,
        "host": {
            "hostname": platform.node(),
            "cpu_model": host.cpu_model(),
            "cpus": facts.get("cpus"),
            "kernel": facts.get("kernel"),
            "cgroup_version": facts.get("cgroup_version"),
            "controller_python": platform.python_version(),
            # Where the controller may run (the CLI keeps it off the app's CPUs).
            "controller_cpus": sorted(os.sched_getaffinity(0)),
        },
    }


def new_run_document(
    run_id: str, plan: Blueprint, engine: Engine, root: Path, built: Sequence[Built], at: str
) -> RunDocument:
    return RunDocument.started(
        run_id=run_id,
        created_at=at,
        parameters=plan.config.to_dict(),
        effective=plan.effective(),
        placement=plan.placement.to_dict(),
        plan=[trial.to_dict() for trial in plan.trials],
        estimate_s=plan.estimate_s,
        provenance=provenance(engine, root, built),
        shard=None if plan.shard is None else plan.shard.to_dict(),
    )


def recorded_images(engine: Engine, store: RunStore) -> list[Built]:
    """The images a run recorded, by ID; refused when one is not on this engine."""
    run_doc = read_run_document(store.run_dir)
    built = []
    for name, data in (run_doc.provenance or {})["images"].items():
        try:
            engine.image(data["id"])
        except ImageMissing as exc:
            raise UsageError(
                f"{store.run_dir}: image {data['tag']} ({data['id'][:19]}) recorded by the run "
                "is not on this engine",
                "load the run's images with `python -m lab bundle load FILE`, from a bundle "
                f"saved by `python -m lab bundle save FILE --run {store.run_dir}`",
            ) from exc
        built.append(Built(name, data["tag"], data["id"], rebuilt=False))
    return built


def resumable(store: RunStore, plan: Blueprint, built: Sequence[Built]) -> RunDocument:
    """The run.json of a run to resume, refused when resuming would mix unlike trials."""
    run_doc = read_run_document(store.run_dir)
    planned = [trial.to_dict() for trial in plan.trials]
    if list(run_doc.plan or ()) != planned:
        raise UsageError(
            f"--resume {store.run_dir}: the plan in its run.json differs from the one its "
            "parameters give now",
            "start a new run instead",
        )
    recorded = run_doc.image_ids
    current = {item.name: item.image_id for item in built}
    changed = sorted(name for name in current if recorded.get(name) != current[name])
    if changed:
        raise UsageError(
            f"--resume {store.run_dir}: the images changed since the run started "
            f"({', '.join(changed)})",
            "resume with the images the run started with, or start a new run",
        )
    return run_doc


def kept_records(records: Sequence[TrialRecord]) -> tuple[list[TrialRecord], int]:
    """The records a resumed run keeps, and how many it runs again: failed records that
    a lost engine wrote before the lab told its own faults from the app's."""
    kept = [record for record in records if not lost_engine_record(record)]
    return kept, len(records) - len(kept)


def resume_line(todo: int, redo: int) -> str:
    again = f", {redo} of them recorded as failed when the engine was lost" if redo else ""
    return f"resume: {plural(todo, 'trial')} to run{again}"
