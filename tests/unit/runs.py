"""Run folders for tests: the real default run kept as a fixture, and synthetic runs built on it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lab.analysis.summary import summarize
from lab.results.records import TrialRecord
from lab.results.store import RunStore

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "runs" / "default-2cores"


def copy_fixture(folder: Path) -> Path:
    """A writable copy of the real run (20 trials, one failed)."""
    shutil.copytree(FIXTURE, folder)
    return folder


def write_run(
    folder: Path,
    records: Sequence[TrialRecord],
    apps: Sequence[str] = ("flask", "aio"),
    scenarios: Sequence[str] = ("hello", "hit"),
    with_summary: bool = True,
    **run_changes: Any,
) -> Path:
    """A synthetic run: the fixture's run.json (its provenance), the given trials, a summary."""
    run = json.loads((FIXTURE / "run.json").read_text())
    run["run_id"] = folder.name
    run["parameters"] = {**run["parameters"], "apps": list(apps), "scenarios": list(scenarios)}
    run["trials"] = {
        "planned": len(records),
        "ok": sum(r.status == "ok" for r in records),
        "failed": sum(r.status != "ok" for r in records),
    }
    run.update(run_changes)
    store = RunStore(folder)
    store.write_run(run)
    for record in records:
        store.write_trial(record)
    if with_summary:
        summary = summarize(records, apps, scenarios)
        store.write_summary({**summary, "run_id": folder.name, "notes": []})
    return folder
