"""The results folder of a run: versioned, self-describing JSON files written atomically.

    <out>/<run-id>/run.json            parameters, plan, provenance, status
    <out>/<run-id>/trials/<n>.json     one per trial, written as the trial ends
    <out>/<run-id>/summary.json        statistics per cell, written at the end
    <out>/<run-id>/open/<n>.json       open mode: one per sweep, rewritten as each point ends
    <out>/<run-id>/open-ceiling.json   open mode: the generator's own ceiling

Every file goes to a temporary name first and is renamed into place, so a crash
never leaves half a JSON file behind. Reading and checking them is lab.results.reader's.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from lab.errors import ResultsUnwritable, UsageError
from lab.results.openrecords import OpenSweep
from lab.results.records import TrialRecord
from lab.results.rundoc import RunDocument
from lab.results.schema import CEILING_SCHEMA_VERSION, OPEN_CEILING_SCHEMA_VERSION
from lab.results.summarydoc import Summary


@contextlib.contextmanager
def atomic_file(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """A file that appears at `path` whole, or not at all; readable by everyone (0644).

    Written under a temporary name in the same folder, synced, then renamed.
    A disk that is full or no longer writable is ResultsUnwritable, naming the file;
    the file's earlier version, if any, is left as it was.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _unwritable(path, exc) from exc
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would keep other readers out
        with os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        Path(temporary).replace(path)
    except OSError as exc:
        _discard(temporary)
        raise _unwritable(path, exc) from exc
    except BaseException:
        _discard(temporary)
        raise


def _discard(temporary: str) -> None:
    with contextlib.suppress(OSError):  # the disk may refuse this too
        Path(temporary).unlink(missing_ok=True)


def _unwritable(path: Path, exc: OSError) -> ResultsUnwritable:
    """The error for a results file that could not be written, with what would fix it."""
    full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
    fix = "free space on that disk" if full else "make that folder writable"
    return ResultsUnwritable(f"cannot write {path}: {exc.strerror or exc}", fix)


def write_text_atomic(path: Path, text: str) -> None:
    with atomic_file(path) as handle:
        handle.write(text)


def write_json_atomic(path: Path, data: Mapping[str, Any]) -> None:
    write_text_atomic(path, json.dumps(data, indent=2) + "\n")


def trial_path(run_dir: Path, index: int) -> Path:
    return run_dir / "trials" / f"{index:04d}.json"


def sweep_path(run_dir: Path, index: int) -> Path:
    return run_dir / "open" / f"{index:04d}.json"


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

    def write_run(self, run: RunDocument) -> None:
        write_json_atomic(self.run_dir / "run.json", run.to_dict())

    def write_trial(self, record: TrialRecord) -> Path:
        path = trial_path(self.run_dir, record.index)
        write_json_atomic(path, record.to_dict())
        return path

    def write_ceiling(self, records: Sequence[TrialRecord]) -> None:
        """ceiling.json: the harness-ceiling trials, in the trial record's format."""
        trials = [record.to_dict() for record in records]
        write_json_atomic(
            self.run_dir / "ceiling.json",
            {"schema_version": CEILING_SCHEMA_VERSION, "trials": trials},
        )

    def write_sweep(self, sweep: OpenSweep) -> Path:
        path = sweep_path(self.run_dir, sweep.index)
        write_json_atomic(path, sweep.to_dict())
        return path

    def write_open_ceiling(self, ceiling: Mapping[str, Any]) -> None:
        write_json_atomic(
            self.run_dir / "open-ceiling.json",
            {"schema_version": OPEN_CEILING_SCHEMA_VERSION, **ceiling},
        )

    def write_summary(self, summary: Summary) -> None:
        write_json_atomic(self.run_dir / "summary.json", summary.to_dict())
