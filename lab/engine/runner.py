"""`lab run`: a blueprint carried out on the engine, every trial on disk as it ends.

Whatever happens — success, a failed trial, an engine error, Ctrl-C — the run's
containers and network are removed and run.json and summary.json describe what
finished. The run's steps: its images (lab.engine.provenance), one session on the run's
stack through the phases (lab.engine.session, lab.engine.phases, lab.engine.openrun),
and its ending (lab.engine.endings).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from lab.engine.endings import COMPLETE, Ending, close_out, planned_trials, stopped
from lab.engine.openrun import run_open
from lab.engine.phases import (
    add_rounds,
    calibrate_host,
    describe_ground,
    measure_ceiling,
    rounds_rule,
    run_planned,
)
from lab.engine.port import (
    Clock,
    DatabaseSpec,
    Engine,
    EngineRequestFailed,
    GroundLost,
    NetworkPath,
    StackError,
    SystemClock,
)
from lab.engine.provenance import (
    kept_records,
    new_run_document,
    new_run_id,
    recorded_images,
    resumable,
    resume_line,
    run_images,
)
from lab.engine.session import Reporter, RunSession
from lab.errors import ResultsUnwritable
from lab.images.build import Built
from lab.model.plan import Blueprint
from lab.results.reader import read_run_document, read_trials
from lab.results.records import TrialRecord
from lab.results.rundoc import RerunOf
from lab.results.store import RunStore
from lab.results.summarydoc import Summary

__all__ = ["Reporter", "RunOutcome", "run", "run_images"]


@dataclass(frozen=True, slots=True)
class RunOutcome:
    run_dir: Path
    records: tuple[TrialRecord, ...]
    summary: Summary
    planned: int

    @property
    def failed(self) -> int:
        return sum(1 for record in self.records if record.status != "ok")


def run(
    engine: Engine,
    plan: Blueprint,
    root: Path,
    reporter: Reporter,
    resume: RunStore | None = None,
    rerun_of: RunStore | None = None,
    clock: Clock | None = None,
) -> RunOutcome:
    """Carry out `plan`; with `resume`, only the trials missing from that run's folder."""
    clock = clock or SystemClock()
    if rerun_of is not None:
        built = recorded_images(engine, rerun_of)
    else:
        built = engine.build_images(root, root / ".lab", reporter.message, run_images(plan))
    # Roles on other engines start the same bytes: copied there, never rebuilt.
    engine.distribute(built, reporter.message)
    session = _begin(engine, plan, root, reporter, built, clock, resume, rerun_of)
    session.write_run()
    ending = COMPLETE
    stopped_by: str | None = None
    images, placement = session.images, plan.placement
    try:
        # Leaving the `with` removes the run's containers and network, whatever happened.
        with engine.run_stack(
            session.run_doc.run_id,
            images["redis"],
            images["wrk"],
            placement.redis,
            placement.wrk,
            NetworkPath.of(plan),
            database=DatabaseSpec(images["postgres"], plan.config.seed)
            if plan.needs_postgres
            else None,
        ) as stack:
            session.stack = stack
            describe_ground(session)
            calibrate_host(session)
            measure_ceiling(session)
            session.write_run()
            run_planned(session)
            rule = rounds_rule(plan.config)
            if rule is not None:
                stopped_by = add_rounds(session, rule)
            if plan.sweeps:
                run_open(session)
    except (
        EngineRequestFailed,
        GroundLost,
        StackError,
        ResultsUnwritable,
        KeyboardInterrupt,
    ) as exc:
        lost = engine.unanswering() if isinstance(exc, EngineRequestFailed) else []
        done = len(session.records)
        ending = stopped(exc, done, len(plan.trials), session.store.run_dir, lost)
    except BaseException as exc:  # a bug: run.json says so, and it keeps its traceback
        reporter.end()
        with contextlib.suppress(Exception):
            close_out(session, Ending("failed", f"{type(exc).__name__}: {exc}"), stopped_by)
        raise
    reporter.end()
    summary, ending = close_out(session, ending, stopped_by)
    if ending.error is not None:
        raise ending.error
    assert summary is not None  # only a Ctrl-C skips it, and that ends in Interrupted
    records = session.records
    return RunOutcome(session.store.run_dir, tuple(records), summary, planned_trials(plan, records))


def _begin(
    engine: Engine,
    plan: Blueprint,
    root: Path,
    reporter: Reporter,
    built: Sequence[Built],
    clock: Clock,
    resume: RunStore | None,
    rerun_of: RunStore | None,
) -> RunSession:
    """The session of a new run, or of the run to resume, with the trials it keeps."""
    # Containers start from the image ID: exactly the bytes recorded, whatever the tags say.
    images = {item.name: item.image_id for item in built}
    started = clock.monotonic()
    if resume is not None:
        run_doc = resumable(resume, plan, built)
        records, redo = kept_records(read_trials(resume.run_dir))
        done = {record.index for record in records}
        todo = sum(1 for trial in plan.trials if trial.index not in done)
        reporter.message(resume_line(todo, redo))
        return RunSession(plan, images, resume, reporter, clock, run_doc, records, started, True)
    created_at = clock.now()
    run_id = new_run_id(plan.config.preset, created_at)
    store = RunStore.create(Path(plan.config.out), run_id)
    run_doc = new_run_document(run_id, plan, engine, root, built, created_at)
    if rerun_of is not None:
        original = read_run_document(rerun_of.run_dir)
        run_doc = replace(run_doc, rerun_of=RerunOf(original.run_id, str(rerun_of.run_dir)))
    return RunSession(plan, images, store, reporter, clock, run_doc, [], started, False)
