"""The results folder of a run: versioned, self-describing JSON files written atomically.

    <out>/<run-id>/run.json            parameters, plan, provenance, status
    <out>/<run-id>/trials/<n>.json     one per trial, written as the trial ends
    <out>/<run-id>/summary.json        statistics per cell, written at the end

Every file goes to a temporary name first and is renamed into place, so a crash
never leaves half a JSON file behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lab.errors import UsageError
from lab.records import TrialRecord

RUN_SCHEMA_VERSION = 1


def write_json_atomic(path: Path, data: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle, indent=2, sort_keys=False)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def trial_path(run_dir: Path, index: int) -> Path:
    return run_dir / "trials" / f"{index:04d}.json"


class RunStore:
    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir

    @classmethod
    def create(cls, out: Path, run_id: str) -> RunStore:
        run_dir = out / run_id
        try:
            (run_dir / "trials").mkdir(parents=True, exist_ok=False)
        except OSError as exc:
            raise UsageError(
                f"--out {out}: cannot create {run_dir}: {exc.strerror or exc}",
                "choose a folder you can write to with --out",
            ) from exc
        return cls(run_dir)

    @classmethod
    def existing(cls, run_dir: Path) -> RunStore:
        if not (run_dir / "run.json").is_file():
            raise UsageError(
                f"{run_dir}: no run.json here", "give the folder of one run, e.g. results/<run-id>"
            )
        return cls(run_dir)

    def read_run(self) -> dict[str, Any]:
        path = self.run_dir / "run.json"
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise UsageError(f"{path}: cannot read it: {exc}", "the file is damaged") from exc
        if not isinstance(data, dict):
            raise UsageError(f"{path}: not a JSON object", "the file is damaged")
        version = data.get("schema_version")
        if version != RUN_SCHEMA_VERSION:
            raise UsageError(
                f"{path}: schema_version {version!r}, this lab reads {RUN_SCHEMA_VERSION}",
                "use the lab version that wrote it",
            )
        return data

    def write_run(self, run: Mapping[str, Any]) -> None:
        write_json_atomic(self.run_dir / "run.json", run)

    def write_trial(self, record: TrialRecord) -> Path:
        path = trial_path(self.run_dir, record.index)
        write_json_atomic(path, record.to_dict())
        return path

    def write_ceiling(self, records: list[dict[str, Any]]) -> None:
        write_json_atomic(self.run_dir / "ceiling.json", {"schema_version": 1, "trials": records})

    def write_summary(self, summary: Mapping[str, Any]) -> None:
        write_json_atomic(self.run_dir / "summary.json", summary)

    def read_trials(self) -> list[TrialRecord]:
        records = []
        for path in sorted((self.run_dir / "trials").glob("*.json")):
            try:
                records.append(TrialRecord.from_dict(json.loads(path.read_text())))
            except (OSError, ValueError, TypeError, KeyError) as exc:
                raise UsageError(
                    f"{path}: not a trial record: {exc}", "the file is damaged"
                ) from exc
        return records
