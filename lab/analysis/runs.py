"""Run folders loaded whole: what `report`, `show`, `list` and `compare` read.

An interrupted run has trials but no summary.json; its summary is recomputed from the
trials here, in the analysis layer, since the statistics are analysis's. Reading and
checking each file is lab.results.reader's.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from lab.analysis.summary import build_summary
from lab.errors import UsageError
from lab.results.reader import (
    RunData,
    RunListing,
    as_object,
    check_run_folder,
    is_run_folder,
    read_run_document,
    read_summary,
    read_sweeps,
    read_trials,
)


def load_run(run_dir: Path) -> RunData:
    """Read and check a run folder; raises UsageError naming the damaged file."""
    check_run_folder(run_dir)
    run = read_run_document(run_dir)
    records = read_trials(run_dir)
    summary = read_summary(run_dir)
    sweeps = read_sweeps(run_dir)
    if summary is not None:
        return RunData(run_dir, run, records, summary, sweeps=sweeps)
    if not records and run.status != "running":
        raise UsageError(
            f"{run_dir / 'summary.json'}: missing, and there are no trials to recompute it from",
            "the run stopped before its first trial; run it again",
        )
    parameters = run.parameters
    recomputed = build_summary(
        records, _strings(parameters.get("apps")), _strings(parameters.get("scenarios"))
    )
    notes = as_object(run.effective).get("notes", [])
    recomputed = replace(recomputed, run_id=run.run_id, notes=tuple(_strings(notes)))
    return RunData(run_dir, run, records, recomputed, summary_recomputed=True, sweeps=sweeps)


def find_runs(out_dir: Path) -> list[RunListing]:
    """The run folders under `out_dir`, newest first (run ids start with their UTC time).

    Folders that are not runs are skipped; a damaged run is listed with its problem.
    """
    if not out_dir.is_dir():
        raise UsageError(
            f"--out {out_dir}: no such folder", "give the results folder a run wrote to"
        )
    listings = []
    for path in sorted(out_dir.iterdir(), key=lambda p: p.name, reverse=True):
        if not is_run_folder(path):
            continue
        try:
            listings.append(RunListing(path, load_run(path), None))
        except UsageError as exc:
            listings.append(RunListing(path, None, exc.message))
    return listings


def _strings(value: object) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []
