"""Run folders for tests: the real default run kept as a fixture, and synthetic runs built on it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from lab.analysis.summary import build_summary
from lab.results.records import TrialRecord
from lab.results.rundoc import RunDocument
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
    store.write_run(RunDocument.from_dict(run))
    for record in records:
        store.write_trial(record)
    if with_summary:
        summary = build_summary(records, apps, scenarios)
        store.write_summary(replace(summary, run_id=folder.name, notes=()))
    return folder


def comparison_pair(folder: Path) -> tuple[Path, Path]:
    """Two runs made from the fixture's trials, for the golden comparison.

    A holds the real trials; B the same trials with aio 15% slower on hello and flask 8%
    faster on hit, on another engine version. Both carry a calibration, so every section
    of the comparison is written.
    """
    records = [
        TrialRecord.from_dict(json.loads(path.read_text()))
        for path in sorted((FIXTURE / "trials").glob("*.json"))
    ]
    factors = {("aio", "hello"): 0.85, ("flask", "hit"): 1.08}

    def slowed(record: TrialRecord) -> TrialRecord:
        factor = factors.get((record.app, record.scenario), 1.0)
        return replace(record, rps=None if record.rps is None else record.rps * factor)

    provenance = json.loads((FIXTURE / "run.json").read_text())["provenance"]
    engine = {**provenance["engine"], "version": "24.0.7"}
    run_a = write_run(
        folder / "run-a",
        records,
        calibration={"score": 1520.5, "samples": [1500.0, 1520.5, 1531.0]},
    )
    run_b = write_run(
        folder / "run-b",
        [slowed(record) for record in records],
        calibration={"score": 1601.25, "samples": [1590.0, 1601.25, 1660.0]},
        provenance={**provenance, "engine": engine},
    )
    return run_a, run_b
