"""A run folder read back from disk and checked: run.json, trials/*.json and summary.json.

Every reader of results goes through here, so a damaged folder fails in one place with a
message naming the file and what is wrong, never with a traceback deep in a renderer.
Loading a whole run, recomputing the summary of an interrupted one, is
lab.analysis.runs.load_run's: the statistics belong to the analysis layer above this one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from lab.errors import UsageError
from lab.results.jsonfields import JsonObject
from lab.results.openrecords import OpenSweep
from lab.results.records import TrialRecord
from lab.results.rundoc import RunDocument
from lab.results.schema import UnsupportedVersion
from lab.results.summarydoc import Summary

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RunData:
    """One run as written by the runner; `summary_recomputed` when summary.json was missing."""

    path: Path
    run: RunDocument = field(repr=False)
    records: tuple[TrialRecord, ...] = field(repr=False)
    summary: Summary = field(repr=False)
    summary_recomputed: bool = False
    # Open mode's sweeps (open/*.json), in run order; none for a closed-loop run.
    sweeps: tuple[OpenSweep, ...] = field(default=(), repr=False)

    @property
    def run_id(self) -> str:
        return self.run.run_id

    @property
    def status(self) -> str:
        return self.run.status

    @property
    def apps(self) -> list[str]:
        return list(self.summary.apps)

    @property
    def parameters(self) -> Mapping[str, Any]:
        return self.run.parameters

    @property
    def provenance(self) -> Mapping[str, Any]:
        return as_object(self.run.provenance)

    @property
    def planned(self) -> int:
        """Trials in the plan; the records on disk when run.json does not say."""
        if self.run.trials is not None:
            return self.run.trials.planned
        return len(self.run.plan) if self.run.plan is not None else len(self.records)

    @property
    def ok(self) -> int:
        return sum(1 for record in self.records if record.status == "ok")

    @property
    def failed_records(self) -> tuple[TrialRecord, ...]:
        return tuple(record for record in self.records if record.status != "ok")

    @property
    def notes(self) -> list[str]:
        """The run's own notes (placement, rounding), each once, in the order written."""
        sources = (
            self.summary.notes,
            as_object(self.run.effective).get("notes"),
            as_object(self.run.placement).get("notes"),
        )
        found = [
            str(note) for notes in sources if isinstance(notes, list | tuple) for note in notes
        ]
        return list(dict.fromkeys(found))


@dataclass(frozen=True, slots=True)
class RunListing:
    """A folder under the results folder: a loaded run, or the reason it cannot be read."""

    path: Path
    data: RunData | None
    problem: str | None


def read_run_document(run_dir: Path) -> RunDocument:
    """A run folder's run.json, checked and typed; raises UsageError naming what is wrong."""
    path = run_dir / "run.json"
    return _typed(path, RunDocument.from_dict, _read_object(path))


def read_trials(run_dir: Path) -> tuple[TrialRecord, ...]:
    """A run folder's trial records, checked, in trial order."""
    return _read_trials(run_dir / "trials")


def read_sweeps(run_dir: Path) -> tuple[OpenSweep, ...]:
    """A run folder's open-loop sweeps, checked, in run order (none for a closed run)."""
    folder = run_dir / "open"
    paths = sorted(folder.glob("*.json")) if folder.is_dir() else []
    sweeps = [_typed(path, OpenSweep.from_dict, _read_object(path)) for path in paths]
    return tuple(sorted(sweeps, key=lambda sweep: sweep.index))


def read_summary(run_dir: Path) -> Summary | None:
    """A run folder's summary.json, checked and typed; None when there is none."""
    path = run_dir / "summary.json"
    if not path.exists():
        return None
    return _typed(path, Summary.from_dict, _read_object(path))


def check_run_folder(run_dir: Path) -> None:
    if not run_dir.is_dir():
        raise UsageError(
            f"{run_dir}: no such run folder", "give a folder under results/, see `lab list`"
        )


def is_run_folder(path: Path) -> bool:
    """Does `path` look like a run folder (damaged or not) rather than something else?"""
    markers = ("run.json", "summary.json", "trials")
    return path.is_dir() and any((path / marker).exists() for marker in markers)


def as_object(value: Any) -> Mapping[str, Any]:
    """`value` if it is a JSON object, else an empty one: run.json's sections are optional."""
    return value if isinstance(value, dict) else {}


def _typed(path: Path, parse: Callable[[JsonObject], T], data: JsonObject) -> T:
    """`parse(data)`, its complaint turned into one line naming the file."""
    try:
        return parse(data)
    except UnsupportedVersion as exc:
        raise UsageError(f"{path}: {exc}", "read it with the lab version that wrote it") from None
    except ValueError as exc:
        raise UsageError(f"{path}: {exc}", "the file is damaged") from None


def _read_object(path: Path) -> JsonObject:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: missing", "is this a run folder? see `lab list`") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot be read: {exc}", "check the file") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{path}: not valid JSON at line {exc.lineno} ({exc.msg})",
            "the file is damaged; restore it or rerun",
        ) from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: expected a JSON object, found {type(data).__name__}")
    return data


def _read_trials(folder: Path) -> tuple[TrialRecord, ...]:
    records = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        records.append(_typed(path, TrialRecord.from_dict, _read_object(path)))
    return tuple(sorted(records, key=lambda record: record.index))
