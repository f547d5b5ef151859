"""One session of a run: what its phases share, held in one place instead of passed along.

A session is `lab run` or `lab run --resume` from the moment its run folder is known to
its end; the phases (lab.engine.phases, lab.engine.openrun) read the plan and the images
from it, run trials on its stack, and leave what they learn in its run document and
records, which lab.engine.endings writes out however the session ends.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from lab.engine.port import Clock, Stack
from lab.engine.trial import run_trial
from lab.model.plan import Blueprint, Trial
from lab.results.records import TrialRecord
from lab.results.rundoc import RunDocument
from lab.results.store import RunStore


class Reporter(Protocol):
    """Where a run tells its progress (the CLI draws it on stderr)."""

    def message(self, text: str) -> None: ...
    def begin(
        self, run_dir: Path, trials: Sequence[Trial], planned: int, estimate_s: float
    ) -> None: ...
    def extend(self, trials: Sequence[Trial], why: str) -> None: ...
    def trial_started(self, trial: Trial) -> None: ...
    def trial_finished(self, record: TrialRecord) -> None: ...
    def end(self) -> None: ...


@dataclass
class RunSession:
    plan: Blueprint
    images: Mapping[str, str]  # each image's name to the ID containers start from
    store: RunStore
    reporter: Reporter
    clock: Clock
    run_doc: RunDocument  # replaced, never mutated, as the run learns more
    records: list[TrialRecord]  # the run's trials on disk, this session's and earlier ones
    started: float  # the clock's monotonic reading when the session began
    resumed: bool
    stack: Stack | None = field(default=None)  # once the run's stack is open

    @property
    def on(self) -> Stack:
        """The run's open stack."""
        assert self.stack is not None, "the run's stack is not open"
        return self.stack

    @property
    def elapsed_s(self) -> float:
        return self.clock.monotonic() - self.started

    def learned(self, **sections: Any) -> None:
        """run.json's sections the run just learned (written at the next write_run)."""
        self.run_doc = replace(self.run_doc, **sections)

    def write_run(self) -> None:
        self.store.write_run(self.run_doc)

    def say(self, text: str) -> None:
        self.reporter.message(text)

    def run_trials(self, trials: Sequence[Trial]) -> None:
        """Each trial, written and told as it ends."""
        for trial in trials:
            self.reporter.trial_started(trial)
            record = run_trial(self.on, trial, self.plan, self.images, self.clock)
            self.store.write_trial(record)
            self.records.append(record)
            self.reporter.trial_finished(record)
