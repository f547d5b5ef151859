"""One closed-loop trial: wrk against a fresh app container, warmed up, measured, recorded.

The order of a trial:
  start the app → wait until it answers → reset the counter → verify the answers →
  warm up (not recorded) → the app drained, then the counter → CPU counters and host
  before → wrk → host and CPU counters after → the app drained, then the counter →
  is the app still alive? → the record (failed ones keep the app's log) → remove the app.

The app's start, checks, readings and removal are lab.engine.lifecycle's, as for every
other load; a trial adds wrk, the /hit counter and the record. A failure is the app's
only when the run's own ground is still whole: otherwise the trial raises (GroundLost,
EngineRequestFailed) and is not recorded, so `--resume` runs it again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lab.engine.generators.wrk import Wrk
from lab.engine.lifecycle import AppFailed, TrialFailed, running_app
from lab.engine.port import Clock, Stack
from lab.model.plan import Blueprint, Trial
from lab.results.judging import record_from_wrk
from lab.results.records import TrialRecord, failed_record
from lab.text import plural

DRAIN_MARGIN_S = 5.0


def run_trial(
    stack: Stack, trial: Trial, plan: Blueprint, images: Mapping[str, str], clock: Clock
) -> TrialRecord:
    """Run `trial` and return its record; failures are records too, never exceptions.

    `images` maps each image name to the image ID the containers start from.
    """
    config = plan.config
    uses_redis = plan.scenario(trial.scenario).uses_redis
    common: dict[str, Any] = {
        "index": trial.index,
        "app": trial.app,
        "scenario": trial.scenario,
        "connections": trial.connections,
        "repetition": trial.repetition,
        "threads": plan.threads,
        "duration_s": config.duration_s,
        "started_at": clock.now(),
    }
    wrk = Wrk(plan.threads, trial.connections, config.timeout_s)
    # A request wrk gave up on after --timeout may take the app about as long again.
    drain_s = 2 * config.timeout_s + DRAIN_MARGIN_S
    try:
        with running_app(stack, plan, images, clock, trial.app, trial.index, trial.scenario) as app:
            assert app.container is not None and app.verification is not None
            if config.warmup_s > 0:
                app.warm_up(wrk, config.warmup_s)
            counter_before = None
            if uses_redis:
                counter_before, in_flight = stack.settled_counter(app.container, drain_s)
                if in_flight:
                    raise TrialFailed(_still_open(in_flight, drain_s, "the warmup"))
            measured = app.measure(wrk, config.duration_s)
            app.verification["cpu_source"] = measured.cpu_source
            if measured.stalls is not None:
                stalls = measured.stalls
                app.verification["injected_stalls"] = {
                    "stalls": list(stalls.stalls),
                    "error": stalls.error,
                }
            counter_after, in_flight = (
                stack.settled_counter(app.container, drain_s) if uses_redis else (None, 0)
            )
            alive, state = app.alive()
            failure = None if alive else f"app container {state} during the trial"
            if alive and in_flight:
                failure = _still_open(in_flight, drain_s, "the load")
            record = record_from_wrk(
                **common,
                finished_at=clock.now(),
                wrk=measured.run,
                cpu=measured.cpu,
                **measured.host_fields(),
                **measured.memory_fields(),
                counter_before=counter_before,
                counter_after=counter_after,
                verification=app.verification,
                failure=failure,
                app_log=app.log(),
            )
            if record.status != "ok":
                app.check_ground()
            return record
    except AppFailed as failed:
        return failed_record(
            **common,
            finished_at=clock.now(),
            reason=failed.reason,
            verification=failed.verification,
            app_log=failed.log,
        )


def _still_open(in_flight: int, drain_s: float, what: str) -> str:
    """Why a trial failed when the app did not drain in time after `what` stopped."""
    connections = plural(in_flight, "connection")
    return f"the app still had {connections} open {drain_s:g} s after {what} stopped"
