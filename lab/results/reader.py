"""A run folder read back from disk and checked: run.json, trials/*.json and summary.json.

Every reader of results goes through here, so a damaged folder fails in one place with a
message naming the file and what is wrong, never with a traceback deep in a renderer.
Loading a whole run, recomputing the summary of an interrupted one, is
lab.analysis.runs.load_run's: the statistics belong to the analysis layer above this one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from lab.errors import UsageError
from lab.results.jsonfields import JsonObject, Kind
from lab.results.records import TrialRecord
from lab.results.rundoc import RunDocument
from lab.results.schema import (
    RUN_KIND,
    RUN_SCHEMA_VERSION,
    SUMMARY_SCHEMA_VERSION,
    TRIAL_SCHEMA_VERSION,
)
from lab.results.summarydoc import Summary

T = TypeVar("T")
_NUMBER = (int, float)
# What the renderers read from summary.json, and the JSON type each must have.
_CELL_KEYS: tuple[tuple[str, Kind], ...] = (
    ("app", str),
    ("scenario", str),
    ("connections", int),
    ("trials", int),
    ("failed", int),
    ("rps", list),
)
_CELL_OPTIONAL_KEYS: tuple[tuple[str, Kind], ...] = (
    ("rps_median", _NUMBER),
    ("cv", _NUMBER),
    ("rps_ci95", list),
    ("latency_us", dict),
    ("errors", dict),
    ("cpu", dict),
)
_RATIO_KEYS: tuple[tuple[str, Kind], ...] = (
    ("scenario", str),
    ("numerator", str),
    ("denominator", str),
    ("connections", int),
)
_RATIO_OPTIONAL_KEYS: tuple[tuple[str, Kind], ...] = (("ratio", _NUMBER), ("ci95", list))


@dataclass(frozen=True, slots=True)
class RunData:
    """One run as written by the runner; `summary_recomputed` when summary.json was missing."""

    path: Path
    run: RunDocument = field(repr=False)
    records: tuple[TrialRecord, ...] = field(repr=False)
    summary: Summary = field(repr=False)
    summary_recomputed: bool = False

    @property
    def run_id(self) -> str:
        return self.run.run_id or self.path.name

    @property
    def status(self) -> str:
        return self.run.status or "unknown"

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
    data = _read_object(path)
    _check_run(path, data)
    return _typed(path, RunDocument.from_dict, data)


def read_trials(run_dir: Path) -> tuple[TrialRecord, ...]:
    """A run folder's trial records, checked, in trial order."""
    return _read_trials(run_dir / "trials")


def read_summary(run_dir: Path) -> Summary | None:
    """A run folder's summary.json, checked and typed; None when there is none."""
    path = run_dir / "summary.json"
    if not path.exists():
        return None
    data = _read_object(path)
    _check_summary(path, data)
    return _typed(path, Summary.from_dict, data)


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
    try:
        return parse(data)
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


def _check_version(path: Path, data: JsonObject, supported: int) -> None:
    version = data.get("schema_version")
    if version != supported:
        raise UsageError(
            f"{path}: schema_version {version}, this lab reads {supported}",
            "read it with the lab version that wrote it",
        )


def _check_run(path: Path, run: JsonObject) -> None:
    _check_version(path, run, RUN_SCHEMA_VERSION)
    if run.get("kind") != RUN_KIND:
        raise UsageError(f"{path}: kind {run.get('kind')!r}, expected {RUN_KIND!r}")
    _expect(path, run, "run_id", str)
    _expect(path, run, "status", str)
    _expect(path, run, "parameters", dict)
    for key in ("effective", "placement", "applied", "provenance", "trials"):
        _expect(path, run, key, dict, optional=True)
    _expect(path, run, "plan", list, optional=True)


def _read_trials(folder: Path) -> tuple[TrialRecord, ...]:
    records = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        data = _read_object(path)
        _check_version(path, data, TRIAL_SCHEMA_VERSION)
        try:
            records.append(TrialRecord.from_dict(data))
        except ValueError as exc:
            raise UsageError(f"{path}: {exc}", "the trial file is damaged") from None
    return tuple(sorted(records, key=lambda record: record.index))


def _check_summary(path: Path, summary: JsonObject) -> None:
    _check_version(path, summary, SUMMARY_SCHEMA_VERSION)
    _expect(path, summary, "apps", list)
    _expect(path, summary, "cells", list)
    _expect(path, summary, "ratios", list, optional=True)
    for where, cell in _entries(path, summary, "cells", _CELL_KEYS, _CELL_OPTIONAL_KEYS):
        if not all(_is_number(value) for value in cell["rps"]):
            raise UsageError(f"{path}: {where}.rps holds something that is not a number")
        _check_numbers(path, cell, where)
    for where, entry in _entries(path, summary, "ratios", _RATIO_KEYS, _RATIO_OPTIONAL_KEYS):
        _check_interval(path, entry.get("ci95"), f"{where}.ci95")


def _entries(
    path: Path,
    summary: JsonObject,
    key: str,
    required: Sequence[tuple[str, Kind]],
    optional: Sequence[tuple[str, Kind]],
) -> Iterator[tuple[str, JsonObject]]:
    """Each object of the list `summary[key]` with its keys' types checked, and where it is."""
    for n, entry in enumerate(summary.get(key) or []):
        where = f"{key}[{n}]"
        if not isinstance(entry, dict):
            raise UsageError(f"{path}: {where} is not an object")
        for name, kind in required:
            _expect(path, entry, name, kind, where=where)
        for name, kind in optional:
            _expect(path, entry, name, kind, where=where, optional=True)
        yield where, entry


def _check_numbers(path: Path, cell: JsonObject, where: str) -> None:
    """The values renderers format: an interval of two numbers, numeric latencies and counts."""
    _check_interval(path, cell.get("rps_ci95"), f"{where}.rps_ci95")
    for key in ("latency_us", "errors"):
        for name, value in (cell.get(key) or {}).items():
            if value is not None and not _is_number(value):
                raise UsageError(f"{path}: {where}.{key}.{name} is not a number: {value!r:.60}")
    for role, use in (cell.get("cpu") or {}).items():
        if use is not None and not (isinstance(use, dict) and _is_number(use.get("share"))):
            raise UsageError(f"{path}: {where}.cpu.{role} has no numeric share: {use!r:.60}")


def _check_interval(path: Path, interval: list[Any] | None, name: str) -> None:
    if interval is not None and (len(interval) != 2 or not all(map(_is_number, interval))):
        raise UsageError(f"{path}: {name} is not a pair of numbers: {interval!r:.60}")


def _expect(
    path: Path,
    data: JsonObject,
    key: str,
    kind: Kind,
    *,
    where: str = "",
    optional: bool = False,
) -> None:
    name = f"{where}.{key}" if where else key
    if key not in data or data[key] is None:
        if optional:
            return
        raise UsageError(f"{path}: key {name!r} is missing", "the file is damaged")
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, kind):
        raise UsageError(f"{path}: key {name!r} has the wrong type: {value!r:.60}")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
