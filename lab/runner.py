"""`lab run`: a blueprint carried out on the engine, every trial on disk as it ends.

Whatever happens — success, a failed trial, an engine error, Ctrl-C — the run's
containers and network are removed and run.json and summary.json describe what
finished.
"""

from __future__ import annotations

import datetime
import platform
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from lab import __version__, host
from lab.build import Built, build_all
from lab.engine import engine_facts
from lab.errors import Interrupted
from lab.imagespec import BASE_IMAGE
from lab.plan import Blueprint, Trial
from lab.records import TrialRecord
from lab.stack import RunStack, applied_limits
from lab.store import RUN_SCHEMA_VERSION, RunStore
from lab.summary import summarize
from lab.trial import TrialSettings, run_trial


class Reporter(Protocol):
    """Where a run tells its progress (the CLI draws it on stderr)."""

    def message(self, text: str) -> None: ...
    def begin(self, run_dir: Path, trials: Sequence[Trial], estimate_s: float) -> None: ...
    def trial_started(self, trial: Trial) -> None: ...
    def trial_finished(self, record: TrialRecord) -> None: ...
    def end(self) -> None: ...


@dataclass(frozen=True, slots=True)
class RunOutcome:
    run_dir: Path
    records: tuple[TrialRecord, ...]
    summary: dict[str, Any]
    planned: int

    @property
    def failed(self) -> int:
        return sum(1 for record in self.records if record.status != "ok")


def utc_now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")


def new_run_id(preset: str) -> str:
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{preset}-{uuid.uuid4().hex[:4]}"


def provenance(client: Any, root: Path, built: Sequence[Built]) -> dict[str, Any]:
    images = {}
    for item in built:
        image = client.images.get(item.image_id)
        images[item.name] = {"tag": item.tag, "id": item.image_id, "labels": image.labels}
    base = client.images.get(BASE_IMAGE)
    engine = engine_facts(client)
    return {
        "lab": {"version": __version__, "git": host.git_revision(root)},
        "images": images,
        "base_image": {"tag": BASE_IMAGE, "id": base.id, "labels": base.labels},
        "locks": {
            name: data["labels"].get("lab.lock-hash")
            for name, data in images.items()
            if data["labels"].get("lab.lock-hash", "none") != "none"
        },
        "engine": engine,
        "host": {
            "cpu_model": host.cpu_model(),
            "cpus": engine.get("cpus"),
            "kernel": engine.get("kernel"),
            "cgroup_version": engine.get("cgroup_version"),
            "controller_python": platform.python_version(),
        },
    }


def run(client: Any, plan: Blueprint, root: Path, reporter: Reporter) -> RunOutcome:
    config = plan.config
    built = build_all(client, root, root / ".lab", reporter.message)
    images = {item.name: item.tag for item in built}
    run_id = new_run_id(config.preset)
    store = RunStore.create(Path(config.out), run_id)
    started = time.monotonic()
    run_doc: dict[str, Any] = {
        "schema_version": RUN_SCHEMA_VERSION,
        "kind": "lab.run",
        "run_id": run_id,
        "status": "running",
        "created_at": utc_now(),
        "finished_at": None,
        "parameters": config.to_dict(),
        "effective": plan.effective(),
        "placement": plan.placement.to_dict(),
        "plan": [trial.to_dict() for trial in plan.trials],
        "estimate_s": plan.estimate_s,
        "provenance": provenance(client, root, built),
    }
    store.write_run(run_doc)
    settings = TrialSettings(
        images=images,
        placement=plan.placement,
        threads=plan.threads,
        workers=plan.workers,
        duration_s=config.duration_s,
        warmup_s=config.warmup_s,
        timeout_s=config.timeout_s,
        access_log=config.access_log,
    )
    stack = RunStack(client, run_id)
    records: list[TrialRecord] = []
    status = "failed"
    try:
        stack.open(images["redis"], images["wrk"], plan.placement.redis, plan.placement.wrk)
        run_doc["applied"] = {
            "redis": applied_limits(stack.redis),
            "wrk": applied_limits(stack.load),
        }
        store.write_run(run_doc)
        reporter.begin(store.run_dir, plan.trials, plan.estimate_s)
        for trial in plan.trials:
            reporter.trial_started(trial)
            record = run_trial(stack, trial, settings, utc_now)
            store.write_trial(record)
            records.append(record)
            reporter.trial_finished(record)
        status = "complete"
    except KeyboardInterrupt as exc:
        status = "interrupted"
        raise Interrupted(
            f"run interrupted after {len(records)} of {len(plan.trials)} trials; "
            f"they are in {store.run_dir}",
            "rerun `python -m lab run` (a later version resumes the run)",
        ) from exc
    finally:
        reporter.end()
        stack.close()
        summary = _summary(run_id, plan, records)
        store.write_summary(summary)
        run_doc.update(
            status=status,
            finished_at=utc_now(),
            elapsed_s=round(time.monotonic() - started, 3),
            trials={
                "planned": len(plan.trials),
                "ok": sum(1 for r in records if r.status == "ok"),
                "failed": sum(1 for r in records if r.status != "ok"),
            },
        )
        store.write_run(run_doc)
    return RunOutcome(store.run_dir, tuple(records), summary, len(plan.trials))


def _summary(run_id: str, plan: Blueprint, records: Sequence[TrialRecord]) -> dict[str, Any]:
    summary = summarize(records, plan.config.apps, plan.config.scenarios)
    summary["run_id"] = run_id
    summary["notes"] = list(plan.notes)
    return summary
