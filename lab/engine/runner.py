"""`lab run`: a blueprint carried out on the engine, every trial on disk as it ends.

Whatever happens — success, a failed trial, an engine error, Ctrl-C — the run's
containers and network are removed and run.json and summary.json describe what
finished.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import platform
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from lab import __version__
from lab.analysis import precision
from lab.analysis.assess import annotate, assess, ceiling_rps
from lab.analysis.summary import build_summary
from lab.engine.openrun import run_open
from lab.engine.port import (
    ENGINE_HINT,
    Clock,
    Engine,
    EngineGone,
    EngineRequestFailed,
    GroundLost,
    ImageMissing,
    NetworkPath,
    Stack,
    StackError,
    SystemClock,
)
from lab.engine.trial import run_trial
from lab.errors import (
    EngineUnavailable,
    Interrupted,
    LabError,
    ResultsUnwritable,
    RunAborted,
    UsageError,
)
from lab.images import host
from lab.images.build import Built
from lab.images.labels import LOCK_HASH
from lab.images.specs import BASE_IMAGE, ImageSpec, image_specs
from lab.measure import calibrate
from lab.model.catalog import CEILING
from lab.model.plan import Blueprint, Trial, trial_seconds
from lab.results.legacy import lost_engine_record
from lab.results.reader import read_run_document, read_trials
from lab.results.records import TrialRecord
from lab.results.rundoc import RerunOf, RunDocument, TrialCounts
from lab.results.store import RunStore
from lab.results.summarydoc import Summary
from lab.text import plural


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


@dataclass(frozen=True, slots=True)
class RunOutcome:
    run_dir: Path
    records: tuple[TrialRecord, ...]
    summary: Summary
    planned: int

    @property
    def failed(self) -> int:
        return sum(1 for record in self.records if record.status != "ok")


def new_run_id(preset: str, at: str) -> str:
    """ "20261201-110930-default-3f2a": sortable by start time, unique by its suffix."""
    stamp = datetime.datetime.fromisoformat(at).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{preset}-{uuid.uuid4().hex[:4]}"


# The calibration's fixed Python workload runs in this image, whatever apps a run has, so
# that calibration scores of any two runs compare.
CALIBRATION_IMAGE = "aio"


def run_images(plan: Blueprint) -> tuple[ImageSpec, ...]:
    """What a run starts containers from: the infrastructure, the image the calibration
    runs in (aio's), and its apps' images."""
    wanted = {CALIBRATION_IMAGE, *(plan.app(name).image for name in plan.config.apps)}
    return image_specs(plan.catalog, wanted)


def provenance(engine: Engine, root: Path, built: Sequence[Built]) -> dict[str, Any]:
    images: dict[str, dict[str, Any]] = {}
    for item in built:
        image = engine.image(item.image_id)
        images[item.name] = {"tag": item.tag, "id": item.image_id, "labels": image.labels}
    base_image: dict[str, Any]
    try:
        base = engine.image(BASE_IMAGE)
        base_image = {"tag": BASE_IMAGE, "id": base.id, "labels": base.labels}
    except ImageMissing:
        # A machine that received only the run's images can run them without the base.
        base_image = {"tag": BASE_IMAGE, "id": None, "labels": {}}
    facts = engine.facts()
    return {
        "lab": {"version": __version__, "git": host.git_revision(root)},
        "images": images,
        "base_image": base_image,
        "locks": {
            name: data["labels"].get(LOCK_HASH)
            for name, data in images.items()
            if data["labels"].get(LOCK_HASH, "none") != "none"
        },
        "engine": facts,
        "host": {
            "cpu_model": host.cpu_model(),
            "cpus": facts.get("cpus"),
            "kernel": facts.get("kernel"),
            "cgroup_version": facts.get("cgroup_version"),
            "controller_python": platform.python_version(),
            # Where the controller may run (the CLI keeps it off the app's CPUs).
            "controller_cpus": sorted(os.sched_getaffinity(0)),
        },
    }


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
    config = plan.config
    clock = clock or SystemClock()
    if rerun_of is not None:
        built = recorded_images(engine, rerun_of)
    else:
        built = engine.build_images(root, root / ".lab", reporter.message, run_images(plan))
    # Roles on other engines start the same bytes: copied there, never rebuilt.
    engine.distribute(built, reporter.message)
    # Containers start from the image ID: exactly the bytes recorded, whatever the tags say.
    images = {item.name: item.image_id for item in built}
    started = clock.monotonic()
    if resume is not None:
        store = resume
        run_doc = _resumable(store, plan, built)
        run_id = run_doc.run_id
        records, redo = kept_records(read_trials(store.run_dir))
    else:
        created_at = clock.now()
        run_id = new_run_id(config.preset, created_at)
        store = RunStore.create(Path(config.out), run_id)
        run_doc = _new_run_doc(run_id, plan, engine, root, built, created_at)
        if rerun_of is not None:
            original = read_run_document(rerun_of.run_dir)
            run_doc = replace(run_doc, rerun_of=RerunOf(original.run_id, str(rerun_of.run_dir)))
        records, redo = [], 0
    done = {record.index for record in records}
    todo = [trial for trial in plan.trials if trial.index not in done]
    if resume is not None:
        reporter.message(resume_line(len(todo), redo))
    store.write_run(run_doc)
    ending = COMPLETE
    stopped_by: str | None = None
    placement = plan.placement
    try:
        # Leaving the `with` removes the run's containers and network, whatever happened.
        with engine.run_stack(
            run_id,
            images["redis"],
            images["wrk"],
            placement.redis,
            placement.wrk,
            NetworkPath.of(plan),
        ) as stack:
            if any(stack.cleared):
                containers, networks = stack.cleared
                reporter.message(
                    f"removed {plural(containers, 'container')} and "
                    f"{plural(networks, 'network')} an earlier session of this run left"
                )
            run_doc = replace(
                run_doc,
                applied={
                    "redis": stack.applied_limits(stack.redis),
                    "wrk": stack.applied_limits(stack.load),
                },
                isolation={
                    "network": {"name": stack.network_name, "internal": stack.network_internal()},
                    "redis": stack.isolation_facts(stack.redis),
                    "wrk": stack.isolation_facts(stack.load),
                },
            )
            if run_doc.calibration is None:
                reporter.message("calibration: a fixed Python workload on the app's CPUs")
                calibration = measure_calibration(stack, images[CALIBRATION_IMAGE], plan)
                run_doc = replace(run_doc, calibration=calibration)
                reporter.message(f"calibration: {calibration['score']:,.0f} rounds/s")
            if config.ceiling and run_doc.ceiling is None:
                ceiling = measure_ceiling(stack, plan, images, store, reporter, clock)
                run_doc = replace(run_doc, ceiling=ceiling)
            store.write_run(run_doc)
            estimate_s = plan.estimate_s * len(todo) / len(plan.trials)
            reporter.begin(store.run_dir, todo, len(plan.trials), estimate_s)
            for trial in todo:
                reporter.trial_started(trial)
                record = run_trial(stack, trial, plan, images, clock)
                store.write_trial(record)
                records.append(record)
                reporter.trial_finished(record)
            if config.target_ci_pct is not None:
                stopped_by = add_rounds(
                    stack, plan, images, store, records, reporter, clock, started
                )
            if plan.sweeps:
                run_doc = run_open(
                    stack, plan, images, store, records, run_doc, clock, reporter.message
                )
    except (
        EngineRequestFailed,
        GroundLost,
        StackError,
        ResultsUnwritable,
        KeyboardInterrupt,
    ) as exc:
        lost = engine.unanswering() if isinstance(exc, EngineRequestFailed) else []
        ending = stopped(exc, len(records), len(plan.trials), store.run_dir, lost)
    except BaseException as exc:  # a bug: run.json says so, and it keeps its traceback
        reporter.end()
        bug = Ending("failed", f"{type(exc).__name__}: {exc}")
        with contextlib.suppress(Exception):
            _close_out(store, run_doc, plan, records, bug, stopped_by, clock, started, resume)
        raise
    reporter.end()
    summary, ending = _close_out(
        store, run_doc, plan, records, ending, stopped_by, clock, started, resume
    )
    if ending.error is not None:
        raise ending.error
    assert summary is not None  # only a Ctrl-C skips it, and that ends in Interrupted
    return RunOutcome(store.run_dir, tuple(records), summary, planned_trials(plan, records))


@dataclass(frozen=True, slots=True)
class Ending:
    """How a run ended: run.json's status and reason, and the error the command ends with
    (its exit code tells the engine, an abort and Ctrl-C apart; None when it completed)."""

    status: str
    reason: str | None = None
    error: LabError | None = None


COMPLETE = Ending("complete")


def _close_out(
    store: RunStore,
    run_doc: RunDocument,
    plan: Blueprint,
    records: list[TrialRecord],
    ending: Ending,
    stopped_by: str | None,
    clock: Clock,
    started: float,
    resume: RunStore | None,
) -> tuple[Summary | None, Ending]:
    """summary.json, then run.json as the run ended; the summary and the final ending.

    Ctrl-C while the summary is computed skips it (readers recompute a missing one) and
    still writes run.json. A results folder that takes no more files ends the run, unless
    something else already did: then that is the error, and nothing more is written.
    """
    records.sort(key=lambda record: record.index)
    summary: Summary | None = None
    try:
        summary = _summary(run_doc.run_id, plan, records, run_doc, stopped_by or ending.status)
    except KeyboardInterrupt as exc:
        interrupted = stopped(exc, len(records), len(plan.trials), store.run_dir)
        ending = Ending(
            interrupted.status,
            ending.reason or "interrupted while the summary was computed",
            ending.error or interrupted.error,
        )
    ok = sum(1 for r in records if r.status == "ok")
    counts = TrialCounts(planned=planned_trials(plan, records), ok=ok, failed=len(records) - ok)
    run_doc = run_doc.finished(
        ending.status,
        at=clock.now(),
        session_s=clock.monotonic() - started,
        trials=counts,
        reason=ending.reason,
    )
    if resume is not None:
        run_doc = run_doc.resumed(clock.now())
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
    after = f"after {done} of {planned} trials"
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


def kept_records(records: Sequence[TrialRecord]) -> tuple[list[TrialRecord], int]:
    """The records a resumed run keeps, and how many it runs again: failed records that
    a lost engine wrote before the lab told its own faults from the app's."""
    kept = [record for record in records if not lost_engine_record(record)]
    return kept, len(records) - len(kept)


def resume_line(todo: int, redo: int) -> str:
    again = f", {redo} of them recorded as failed when the engine was lost" if redo else ""
    return f"resume: {plural(todo, 'trial')} to run{again}"


def planned_trials(plan: Blueprint, records: Sequence[TrialRecord]) -> int:
    """The planned trials, and those of every round --target-ci added (begun or done)."""
    added = {record.repetition for record in records} - {t.repetition for t in plan.trials}
    cells = len({trial.cell for trial in plan.trials})
    return len(plan.trials) + len(added) * cells


def add_rounds(
    stack: Stack,
    plan: Blueprint,
    images: Mapping[str, str],
    store: RunStore,
    records: list[TrialRecord],
    reporter: Reporter,
    clock: Clock,
    started: float,
) -> str:
    """--target-ci: rounds after the planned ones while Stein's procedure asks for them.

    Returns why it stopped (lab.analysis.precision's REACHED, MAX_REPETITIONS, MAX_TIME).
    A resumed run skips the added trials already on disk.
    """
    config = plan.config
    assert config.target_ci_pct is not None and config.max_repetitions is not None
    cells = len({trial.cell for trial in plan.trials})
    round_s = cells * trial_seconds(config)
    while True:
        summary = build_summary(records, config.apps, config.scenarios)
        states = [
            precision.progress(records, headline, config.repetitions, config.target_ci_pct)
            for headline in precision.headlines(summary, config.apps[0])
        ]
        done = {record.index for record in records}
        pending = [trial for trial in plan.extra_trials if trial.index not in done]
        # The rounds before the first one with a trial still to run (a resumed run may
        # have part of an added round on disk).
        rounds = pending[0].repetition - 1 if pending else config.max_repetitions
        decision = precision.decide(
            states,
            rounds,
            config.max_repetitions,
            clock.monotonic() - started,
            round_s,
            config.max_time_s,
        )
        if not decision.more:
            return decision.stopped_by or precision.REACHED
        trials = [trial for trial in pending if trial.repetition == rounds + 1]
        reporter.extend(trials, precision.round_line(decision, states, config.target_ci_pct))
        for trial in trials:
            reporter.trial_started(trial)
            record = run_trial(stack, trial, plan, images, clock)
            store.write_trial(record)
            records.append(record)
            reporter.trial_finished(record)


def measure_calibration(stack: Stack, image: str, plan: Blueprint) -> dict[str, Any]:
    """The calibration workload, run SAMPLES times in the app image on the app's CPUs."""
    slot = plan.placement.app
    command = ["python3", "-c", calibrate.WORKLOAD]
    samples = [
        calibrate.parse_score(
            stack.run_to_end("calibration", f"calibration-{n}", image, slot, command)
        )
        for n in range(1, calibrate.SAMPLES + 1)
    ]
    return calibrate.calibration_record(samples, image, slot)


def recorded_images(engine: Engine, store: RunStore) -> list[Built]:
    """The images a run recorded, by ID; refused when one is not on this engine."""
    run_doc = read_run_document(store.run_dir)
    built = []
    for name, data in (run_doc.provenance or {})["images"].items():
        try:
            engine.image(data["id"])
        except ImageMissing as exc:
            raise UsageError(
                f"{store.run_dir}: image {data['tag']} ({data['id'][:19]}) recorded by the run "
                "is not on this engine",
                "load the run's images with `python -m lab bundle load FILE`, from a bundle "
                f"saved by `python -m lab bundle save FILE --run {store.run_dir}`",
            ) from exc
        built.append(Built(name, data["tag"], data["id"], rebuilt=False))
    return built


def measure_ceiling(
    stack: Stack,
    plan: Blueprint,
    images: Mapping[str, str],
    store: RunStore,
    reporter: Reporter,
    clock: Clock,
) -> dict[str, Any]:
    """The harness ceiling: the static server, in the app's placement, at each level."""
    records = []
    for connections in plan.connections:
        reporter.message(f"ceiling: {CEILING.name} hello @{connections} (harness ceiling)")
        trial = Trial(0, CEILING.name, "hello", connections, 1)
        records.append(run_trial(stack, trial, plan, images, clock))
    store.write_ceiling(records)
    by_level = {
        str(r.connections): {"rps": r.rps, "status": r.status, "reason": r.reason} for r in records
    }
    for level, result in by_level.items():
        shown = f"{result['rps']:,.0f} req/s" if result["rps"] else f"failed: {result['reason']}"
        reporter.message(f"ceiling @{level}: {shown}")
    return {"server": CEILING.description, "file": "ceiling.json", "connections": by_level}


def _new_run_doc(
    run_id: str, plan: Blueprint, engine: Engine, root: Path, built: Sequence[Built], at: str
) -> RunDocument:
    return RunDocument.started(
        run_id=run_id,
        created_at=at,
        parameters=plan.config.to_dict(),
        effective=plan.effective(),
        placement=plan.placement.to_dict(),
        plan=[trial.to_dict() for trial in plan.trials],
        estimate_s=plan.estimate_s,
        provenance=provenance(engine, root, built),
    )


def _resumable(store: RunStore, plan: Blueprint, built: Sequence[Built]) -> RunDocument:
    """The run.json of a run to resume, refused when resuming would mix unlike trials."""
    run_doc = read_run_document(store.run_dir)
    planned = [trial.to_dict() for trial in plan.trials]
    if list(run_doc.plan or ()) != planned:
        raise UsageError(
            f"--resume {store.run_dir}: the plan in its run.json differs from the one its "
            "parameters give now",
            "start a new run instead",
        )
    recorded = run_doc.image_ids
    current = {item.name: item.image_id for item in built}
    changed = sorted(name for name in current if recorded.get(name) != current[name])
    if changed:
        raise UsageError(
            f"--resume {store.run_dir}: the images changed since the run started "
            f"({', '.join(changed)})",
            "resume with the images the run started with, or start a new run",
        )
    return run_doc


def _summary(
    run_id: str,
    plan: Blueprint,
    records: Sequence[TrialRecord],
    run_doc: RunDocument,
    stopped_by: str,
) -> Summary:
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
    return annotate(summary, assess(run_doc, records, summary))
