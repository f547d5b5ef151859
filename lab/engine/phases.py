"""The closed-loop phases of a run, in order, each on the session's open stack: what the
engine applied to the run's own containers, the calibration, the harness ceiling, the
planned trials, and the rounds --target-ci or --gate adds. Open mode's phase is lab.engine.openrun.
"""

from __future__ import annotations

from typing import Any

from lab.analysis.gate import GateRule
from lab.analysis.precision import SteinRule
from lab.analysis.stopping import REACHED, RoundsRule
from lab.engine.provenance import CALIBRATION_IMAGE
from lab.engine.session import RunSession
from lab.engine.trial import run_trial
from lab.measure import calibrate
from lab.model.catalog import CEILING
from lab.model.config import RunConfig
from lab.model.plan import Trial, trial_seconds
from lab.text import plural


def describe_ground(session: RunSession) -> None:
    """The limits and confinement the engine applied to Redis and the load container, and
    the run's network, into run.json."""
    stack = session.on
    if any(stack.cleared):
        containers, networks = stack.cleared
        session.say(
            f"removed {plural(containers, 'container')} and "
            f"{plural(networks, 'network')} an earlier session of this run left"
        )
    stores = {"redis": stack.redis}
    if stack.postgres is not None:  # on Redis's CPUs (lab.engine.postgres)
        stores["postgres"] = stack.postgres
    session.learned(
        applied={
            **{role: stack.applied_limits(store) for role, store in stores.items()},
            "wrk": stack.applied_limits(stack.load),
        },
        isolation={
            "network": {"name": stack.network_name, "internal": stack.network_internal()},
            **{role: stack.isolation_facts(store) for role, store in stores.items()},
            "wrk": stack.isolation_facts(stack.load),
        },
    )


def calibrate_host(session: RunSession) -> None:
    """The calibration workload, run SAMPLES times in the app image on the app's CPUs;
    once per run."""
    if session.run_doc.calibration is not None:
        return
    session.say("calibration: a fixed Python workload on the app's CPUs")
    image = session.images[CALIBRATION_IMAGE]
    slot = session.plan.placement.app
    command = ["python3", "-c", calibrate.WORKLOAD]
    samples = [
        calibrate.parse_score(
            session.on.run_to_end("calibration", f"calibration-{n}", image, slot, command)
        )
        for n in range(1, calibrate.SAMPLES + 1)
    ]
    calibration = calibrate.calibration_record(samples, image, slot)
    session.learned(calibration=calibration)
    session.say(f"calibration: {calibration['score']:,.0f} rounds/s")


def measure_ceiling(session: RunSession) -> None:
    """The harness ceiling: the static server, in the app's placement, at each level;
    once per run, unless --no-ceiling."""
    if not session.plan.config.ceiling or session.run_doc.ceiling is not None:
        return
    plan, records = session.plan, []
    for connections in plan.connections:
        session.say(f"ceiling: {CEILING.name} hello @{connections} (harness ceiling)")
        trial = Trial(0, CEILING.name, "hello", connections, 1)
        records.append(run_trial(session.on, trial, plan, session.images, session.clock))
    session.store.write_ceiling(records)
    by_level: dict[str, dict[str, Any]] = {
        str(r.connections): {"rps": r.rps, "status": r.status, "reason": r.reason} for r in records
    }
    for level, result in by_level.items():
        shown = f"{result['rps']:,.0f} req/s" if result["rps"] else f"failed: {result['reason']}"
        session.say(f"ceiling @{level}: {shown}")
    session.learned(
        ceiling={"server": CEILING.description, "file": "ceiling.json", "connections": by_level}
    )


def run_planned(session: RunSession) -> None:
    """The planned trials not yet on disk."""
    plan = session.plan
    done = {record.index for record in session.records}
    todo = [trial for trial in plan.trials if trial.index not in done]
    estimate_s = plan.estimate_s * len(todo) / len(plan.trials)
    session.reporter.begin(session.store.run_dir, todo, len(plan.trials), estimate_s)
    session.run_trials(todo)


def rounds_rule(config: RunConfig) -> RoundsRule | None:
    """The rule by which the run adds rounds after the planned ones, if it has one."""
    if config.max_repetitions is None:
        return None
    if config.gate_pct is not None:
        return GateRule.of(config)
    assert config.target_ci_pct is not None
    return SteinRule(
        config.apps,
        config.scenarios,
        config.repetitions,
        config.target_ci_pct,
        config.max_repetitions,
        config.max_time_s,
    )


def add_rounds(session: RunSession, rule: RoundsRule) -> str:
    """Rounds after the planned ones while the run's rule asks for them (--target-ci's
    or --gate's, lab.analysis.stopping).

    Returns why it stopped (lab.analysis.stopping's REACHED, MAX_REPETITIONS, MAX_TIME, or
    the rule's own). A resumed run skips the added trials already on disk. A round is timed
    by its trials alone: the ceilings and open mode's sweeps come once, however many rounds
    there are.
    """
    plan, records = session.plan, session.records
    config = plan.config
    assert config.max_repetitions is not None
    cells = len({trial.cell for trial in plan.trials})
    round_s = cells * trial_seconds(config)
    while True:
        done = {record.index for record in records}
        pending = [trial for trial in plan.extra_trials if trial.index not in done]
        # The rounds before the first one with a trial still to run (a resumed run may
        # have part of an added round on disk).
        rounds = pending[0].repetition - 1 if pending else config.max_repetitions
        decision = rule.decide(records, rounds, session.elapsed_s, round_s)
        if not decision.more:
            return decision.stopped_by or REACHED
        trials = [trial for trial in pending if trial.repetition == rounds + 1]
        session.reporter.extend(trials, rule.round_line(decision, records))
        session.run_trials(trials)
