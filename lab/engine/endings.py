"""How a run ends: each way out mapped to run.json's status and reason and the error the
command ends with (ARCHITECTURE.md's table), and the run's last two files written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from lab.analysis import precision
from lab.analysis.assess import annotate, assess, ceiling_rps
from lab.analysis.gate import GateRule, with_gate
from lab.analysis.summary import build_summary
from lab.engine.phases import rounds_rule
from lab.engine.port import ENGINE_HINT, EngineGone, EngineRequestFailed, GroundLost
from lab.engine.session import RunSession
from lab.errors import EngineUnavailable, Interrupted, LabError, ResultsUnwritable, RunAborted
from lab.model.plan import Blueprint
from lab.results.records import TrialRecord
from lab.results.rundoc import RunDocument, TrialCounts
from lab.results.summarydoc import Summary


@dataclass(frozen=True, slots=True)
class Ending:
    """How a run ended: run.json's status and reason, and the error the command ends with
    (its exit code tells the engine, an abort and Ctrl-C apart; None when it completed)."""

    status: str
    reason: str | None = None
    error: LabError | None = None


COMPLETE = Ending("complete")


def close_out(
    session: RunSession, ending: Ending, stopped_by: str | None
) -> tuple[Summary | None, Ending]:
    """summary.json, then run.json as the run ended; the summary and the final ending.

    Ctrl-C while the summary is computed skips it (readers recompute a missing one) and
    still writes run.json. A results folder that takes no more files ends the run, unless
    something else already did: then that is the error, and nothing more is written.
    """
    plan, store, clock, records = session.plan, session.store, session.clock, session.records
    records.sort(key=lambda record: record.index)
    summary: Summary | None = None
    try:
        summary = run_summary(
            session.run_doc.run_id, plan, records, session.run_doc, stopped_by or ending.status
        )
    except KeyboardInterrupt as exc:
        interrupted = stopped(exc, len(records), len(plan.trials), store.run_dir)
        ending = Ending(
            interrupted.status,
            ending.reason or "interrupted while the summary was computed",
            ending.error or interrupted.error,
        )
    ok = sum(1 for r in records if r.status == "ok")
    counts = TrialCounts(planned=planned_trials(plan, records), ok=ok, failed=len(records) - ok)
    run_doc = session.run_doc.finished(
        ending.status,
        at=clock.now(),
        session_s=session.elapsed_s,
        trials=counts,
        reason=ending.reason,
    )
    if session.resumed:
        run_doc = run_doc.resumed(clock.now())
    session.run_doc = run_doc
    try:
        if summary is not None:
            store.write_summary(summary)
        store.write_run(run_doc)
    except ResultsUnwritable as exc:
        if ending.error is None:  # else that error stands, and nothing more can be written
            ending = stopped(exc, len(records), len(plan.trials), store.run_dir)
    return summary, ending


def stopped(
    exc: BaseException, done: int, planned: int, run_dir: Path, lost: Sequence[str] = ()
) -> Ending:
    """How a run that did not complete ended, from what stopped it; `lost` names the
    engines that no longer answered, when the run has several."""
    # Rounds a rule added (--target-ci, --gate) come after the planned ones.
    after = (
        f"after {done} of {planned} trials"
        if done <= planned
        else f"after {done} trials ({planned} planned, the rest added by its rule)"
    )
    resume = f"`python -m lab run --resume {run_dir}` runs the rest"
    if isinstance(exc, KeyboardInterrupt):
        return Ending(
            "interrupted",
            "interrupted (Ctrl-C or SIGTERM)",
            Interrupted(
                f"run interrupted {after}; they are in {run_dir}",
                f"`python -m lab run --resume {run_dir}` runs the missing ones",
            ),
        )
    if isinstance(exc, EngineRequestFailed):
        what = "stopped answering" if isinstance(exc, EngineGone) else "did not answer"
        which = f" {' and '.join(lost)}" if lost else ""
        reason = f"the Docker engine{which} {what} during the run: {exc}"
        return Ending(
            "aborted",
            reason,
            EngineUnavailable(f"{reason}; stopped {after}", ENGINE_HINT + f"; then {resume}"),
        )
    if isinstance(exc, ResultsUnwritable):
        return Ending(
            "aborted",
            exc.message,
            ResultsUnwritable(
                f"run stopped {after}: {exc.message}; the trials written are whole",
                f"{exc.hint}, then {resume}",
            ),
        )
    reason = str(exc)
    if isinstance(exc, GroundLost):
        reason += ": the lab's own ground, not the app, so that trial is not recorded"
    return Ending(
        "aborted",
        reason,
        RunAborted(f"run aborted {after}: {reason}", f"finished trials are in {run_dir}; {resume}"),
    )


def planned_trials(plan: Blueprint, records: Sequence[TrialRecord]) -> int:
    """The planned trials, and those of every round --target-ci added (begun or done)."""
    added = {record.repetition for record in records} - {t.repetition for t in plan.trials}
    cells = len({trial.cell for trial in plan.trials})
    return len(plan.trials) + len(added) * cells


def run_summary(
    run_id: str,
    plan: Blueprint,
    records: Sequence[TrialRecord],
    run_doc: RunDocument,
    stopped_by: str,
) -> Summary:
    """summary.json's document: the trials' statistics, the findings and the precision."""
    config = plan.config
    summary = replace(
        build_summary(records, plan.config.apps, plan.config.scenarios),
        run_id=run_id,
        notes=tuple(plan.notes),
        ceiling_rps=ceiling_rps(run_doc),
        network_path=plan.network_path,
    )
    if config.target_ci_pct is not None:
        summary = precision.with_precision(
            summary,
            records,
            config.apps[0],
            config.target_ci_pct,
            config.repetitions,
            stopped_by,
        )
    rule = rounds_rule(config)
    if isinstance(rule, GateRule):
        summary = with_gate(summary, records, rule)
    return annotate(summary, assess(run_doc, records, summary))
