"""Run folders for tests: the real default run kept as a fixture, and synthetic runs built on it
(histories of them too, on disk and in memory)."""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from lab.analysis.summary import build_summary
from lab.results.intervaldoc import StatedInterval
from lab.results.reader import RunData
from lab.results.records import TrialRecord
from lab.results.rundoc import RunDocument
from lab.results.store import RunStore
from lab.results.summarydoc import Summary, SummaryCell

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


def history_runs(
    folder: Path,
    runs: int = 6,
    step_after: int = 3,
    step: float = -0.15,
    stepped: tuple[str, str] = ("aio", "hello"),
    seed: int = 1,
    host_sd: float = 0.02,
    trial_sd: float = 0.03,
) -> list[Path]:
    """Runs of the fixture's matrix an hour apart, one cell `step` off from run
    `step_after` + 1 on. The host moves each run's figures together (`host_sd` between
    runs) and each trial by its own `trial_sd`: at the defaults runs differ by about 3%,
    a quiet host, where a 15% step is found at its place whatever the seed (the history's
    rates at this host's usual 5-15% are lab.analysis.stepsim's)."""
    rng = np.random.default_rng(seed)
    records = [
        TrialRecord.from_dict(json.loads(path.read_text()))
        for path in sorted((FIXTURE / "trials").glob("*.json"))
    ]
    level = {
        cell.key[:2]: cell.rps_median
        for cell in build_summary(records, ("flask", "aio"), ("hello", "hit")).cells
    }
    made = []
    for n in range(runs):
        host = math.exp(rng.normal(0.0, host_sd))
        trials = []
        for record in records:
            cell = (record.app, record.scenario)
            if record.status == "ok" and record.rps is not None:
                factor = host * (1 + step if n >= step_after and cell == stepped else 1.0)
                rps = level[cell] * factor * math.exp(rng.normal(0.0, trial_sd))
                record = replace(record, rps=rps)
            trials.append(record)
        run_id = f"20261201-{10 + n:02d}0000-default-{n:04x}"
        made_at = f"2026-12-01T{10 + n:02d}:00:00.000+00:00"
        made.append(write_run(folder / run_id, trials, created_at=made_at))
    return made


def summary_cell(app: str, median: float, half: float = 0.02) -> SummaryCell:
    """A cell at hello @200 whose median has a 95% interval of ±`half`."""
    ci = StatedInterval(median * (1 - half), median * (1 + half), 0.95, "order statistics")
    return SummaryCell(
        app, "hello", 200, 5, 0, (median,) * 5, median, ci, rps_geomean=median * 0.99
    )


def history_run(n: int, medians: Mapping[str, float], **run_changes: Any) -> RunData:
    """Run n of a history, in memory: made n hours after the first, on the fixture's
    set-up (as changed), one cell per app at hello @200 with the given median."""
    run = json.loads((FIXTURE / "run.json").read_text())
    run_id = f"20261201-{n:02d}0000-default-{n:04x}"
    made_at = f"2026-12-01T{n:02d}:00:00+00:00"
    document = RunDocument.from_dict(
        {**run, "run_id": run_id, "created_at": made_at, **run_changes}
    )
    cells = tuple(summary_cell(app, rps) for app, rps in medians.items())
    return RunData(Path("results") / run_id, document, (), Summary(tuple(medians), cells))
