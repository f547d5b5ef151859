"""Progress of a run on stderr: a bar with the current cell and ETA, a line per trial."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from lab.model.plan import Trial
from lab.results.records import TrialRecord
from lab.text import format_duration, format_latency, format_rate


def trial_line(record: TrialRecord, planned: int) -> str:
    """One line per finished trial, e.g. `ok   3/20 aio hello @200 #2  31,200 req/s  p99 8.1 ms`."""
    cell = f"{record.app} {record.scenario} @{record.connections} #{record.repetition}"
    where = f"{record.index:>3}/{planned} {cell}"
    if record.status != "ok":
        return f"FAIL {where}  {record.reason}"
    p99 = record.latency_us.p99 if record.latency_us else None
    errors = record.errors.total if record.errors else 0
    tail = f"  errors {errors}" if errors else ""
    return f"ok   {where}  {format_rate(record.rps)} req/s  p99 {format_latency(p99)}{tail}"


class ConsoleReporter:
    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress: Progress | None = None
        self.task: TaskID | None = None
        self.planned = 0

    def message(self, text: str) -> None:
        self.console.print(text, highlight=False, markup=False)

    def begin(
        self, run_dir: Path, trials: Sequence[Trial], planned: int, estimate_s: float
    ) -> None:
        self.planned = planned
        left = "" if len(trials) == planned else f" ({planned - len(trials)} already done)"
        self.message(
            f"run: {len(trials)} trials into {run_dir}{left}, "
            f"estimated {format_duration(estimate_s)}"
        )
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
            # The bar redraws from a thread of the controller, which runs during every
            # window: once a second keeps the elapsed time right and costs next to nothing.
            refresh_per_second=1,
        )
        self.progress.start()
        self.task = self.progress.add_task("starting", total=len(trials))

    def extend(self, trials: Sequence[Trial], why: str) -> None:
        """More trials than planned (--target-ci adds rounds): say why, grow the bar."""
        self.planned += len(trials)
        if self.progress is not None and self.task is not None:
            self.progress.console.print(why, highlight=False, markup=False)
            total = self.progress.tasks[0].total or 0
            self.progress.update(self.task, total=total + len(trials))
        else:
            self.message(why)

    def trial_started(self, trial: Trial) -> None:
        if self.progress is not None and self.task is not None:
            cell = f"{trial.app} {trial.scenario} @{trial.connections} #{trial.repetition}"
            self.progress.update(self.task, description=f"trial {trial.index}: {cell}")

    def trial_finished(self, record: TrialRecord) -> None:
        line = trial_line(record, self.planned)
        if self.progress is not None and self.task is not None:
            self.progress.console.print(line, highlight=False, markup=False)
            self.progress.advance(self.task)
        else:
            self.message(line)

    def end(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
