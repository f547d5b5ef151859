"""The text `python -m lab plan` prints: parameters, placement, order and wall time.

The plan itself is decided in lab.model.plan; this module only words it.
"""

from __future__ import annotations

from collections.abc import Sequence

from lab.model.config import RunConfig
from lab.model.openload import CEILING_START_RPS as CEILING_START
from lab.model.openload import make_sweeps, sweep_seconds
from lab.model.order import BLOCKED
from lab.model.placement import Placement, gunicorn_workers, wrk_threads
from lab.model.plan import (
    RUN_OVERHEAD_S,
    Blueprint,
    Trial,
    estimate_seconds,
    open_seconds,
    trial_seconds,
)
from lab.model.scenarios import SCENARIOS
from lab.model.topology import CPU_ROLE
from lab.text import format_duration

ORDER_NOTES = {BLOCKED: " (each level's apps adjacent, every second round mirrored)"}


def render_blueprint(plan: Blueprint) -> str:
    """The plan text of a decided run, on the network path it will really take."""
    return render_plan(
        plan.config,
        plan.placement,
        plan.trials,
        (*plan.notes, *shard_lines(plan)),
        plan.network_path,
        versions=version_lines(plan),
    )


def shard_lines(plan: Blueprint) -> list[str]:
    """A shard's share of the whole plan (lab.model.shards), as a note."""
    if plan.shard is None:
        return []
    shard = plan.shard
    rounds = ", ".join(map(str, shard.rounds))
    return [
        f"shard {shard.shard.label}: rounds {rounds} of the plan's {shard.plan_rounds}"
        f" ({len(plan.trials)} of its {shard.plan_trials} trials, at their indices in it);"
        f" plan {shard.plan_hash[:19]}"
    ]


def version_lines(plan: Blueprint) -> list[str]:
    """Each app at another version: what it derives from, and what its lock holds."""
    apps = [plan.app(name) for name in dict.fromkeys(plan.config.apps)]
    width = max((len(app.name) for app in apps), default=0)
    lines = []
    for app in apps:
        derivation = plan.catalog.folder(app.image).derivation
        if derivation is None:
            continue
        at = f"at {derivation.spec} ({derivation.commit[:12]})" if derivation.commit else ""
        at = at or f"with {derivation.spec}"
        locked = f"; locked {derivation.locked}" if derivation.locked else ""
        lines.append(f"  {app.name:<{width}}  {derivation.source} {at}{locked}")
    return lines


def render_plan(
    config: RunConfig,
    placement: Placement,
    plan: Sequence[Trial],
    notes: Sequence[str],
    network_path: str | None = None,
    versions: Sequence[str] = (),
) -> str:
    """The plan text of a configuration, its placement and trials; each note once.

    `versions` are the lines that say where each app at another version comes from.
    """
    network_path = network_path or config.network_path
    levels = sorted({trial.connections for trial in plan}) or list(config.connections)
    access_log = "on" if config.access_log else "off"
    lines = [
        f"plan: preset {config.preset}, seed {config.seed}",
        "",
        "parameters",
        f"  apps              {', '.join(config.apps)}",
        f"  scenarios         {', '.join(config.scenarios)}",
        f"  connections       {', '.join(str(level) for level in levels)}",
        f"  duration          {_seconds(config.duration_s)}",
        f"  warmup            {_seconds(config.warmup_s)}",
        f"  repetitions       {config.repetitions}",
        f"  order             {config.order}" + ORDER_NOTES.get(config.order, ""),
        f"  wrk threads       {wrk_threads(config, placement)}"
        + (" (one per wrk CPU)" if config.threads is None else ""),
        f"  wrk timeout       {_seconds(config.timeout_s)}",
        f"  gunicorn workers  {gunicorn_workers(config, placement)}"
        + (" (one per app CPU)" if config.workers is None else ""),
        f"  access log        {access_log}",
        f"  out               {config.out}",
        "",
        "placement",
    ]
    if versions:
        lines[-2:-1] = ["", "versions (folders derived under .lab/versions/)", *versions, ""]
    if config.engines:
        lines[-2:-1] = [
            "",
            "engines (the others: the local engine)",
            *(f"  {t.role:<17} {t.url}" for t in config.engines),
            "",
        ]
    host_of = {CPU_ROLE[role]: n for n, group in enumerate(placement.hosts) for role in group}
    for slot in placement.slots:
        others = [
            other.role
            for other in placement.slots
            if other is not slot
            and host_of.get(other.role) == host_of.get(slot.role)
            and set(other.cpu_ids) & set(slot.cpu_ids)
        ]
        lines.append(
            _slot_line(
                slot.role, slot.cpuset, slot.cpus, slot.nano_cpus is not None, ", ".join(others)
            )
        )
    if any(name in SCENARIOS and SCENARIOS[name].uses_postgres for name in config.scenarios):
        redis = placement.redis
        lines.append(
            f"  postgres with redis, cpuset {redis.cpuset} (the run's stores share their CPUs)"
        )
    all_notes = list(placement.notes) + [note for note in notes if note not in placement.notes]
    if all_notes:
        lines += ["", "notes"]
        lines += [f"  - {note}" for note in all_notes]

    if config.target_ci_pct is not None:
        lines += ["", "precision", *_precision_lines(config, plan)]
    if config.gate_pct is not None:
        lines += ["", "gate", *_gate_lines(config, plan)]
    if config.mode == "open":
        lines += ["", "open loop (after the closed-loop trials)", *_open_lines(config, plan)]

    lines += ["", f"trials ({len(plan)})"]
    width = len(str(len(plan)))
    app_width = max((len(trial.app) for trial in plan), default=0)
    scenario_width = max((len(trial.scenario) for trial in plan), default=0)
    lines += [
        f"  {trial.index:>{width}}  {trial.app:<{app_width}}  {trial.scenario:<{scenario_width}}"
        f"  {trial.connections:>5} connections  repetition {trial.repetition}"
        for trial in plan
    ]
    seconds = estimate_seconds(plan, config)
    per_trial = trial_seconds(config)
    ceiling = len(levels) if config.ceiling else 0
    counted = f"({len(plan)} trials + {ceiling} ceiling)" if ceiling else f"{len(plan)} trials"
    lines += [
        "",
        f"harness ceiling   {'measured first (nginx, same placement)' if ceiling else 'skipped'}",
        f"network path      {network_path}",
        "",
        f"estimated wall time: {format_duration(seconds)}"
        f" ({counted} x {per_trial:g} s + {RUN_OVERHEAD_S:g} s setup"
        + (
            f" + {format_duration(open_seconds(config))} open loop)"
            if open_seconds(config)
            else ")"
        ),
    ]
    if config.max_repetitions is not None:
        longest = seconds + _extra_seconds(config, plan)
        if config.max_time_s is not None:
            longest = min(longest, max(seconds, config.max_time_s))
        rule = "--target-ci" if config.target_ci_pct is not None else "--gate"
        lines.append(f"  with {rule}: up to {format_duration(longest)}, at the bounds")
    return "\n".join(lines) + "\n"


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _slot_line(role: str, cpuset: str, cpus: float, quota: bool, shared_with: str) -> str:
    if quota:
        allotment = f"quota {cpus:g} CPU"
    else:
        allotment = f"{cpus:g} CPU" if cpus == 1 else f"{cpus:g} CPUs"
    line = f"  {role:<6} cpuset {cpuset:<8} {allotment}"
    return line + (f" (shares with {shared_with})" if shared_with else "")


def _extra_seconds(config: RunConfig, plan: Sequence[Trial]) -> float:
    cells = len({trial.cell for trial in plan})
    extra = (config.max_repetitions or config.repetitions) - config.repetitions
    return extra * cells * trial_seconds(config)


def _gate_lines(config: RunConfig, plan: Sequence[Trial]) -> list[str]:
    from lab.analysis.gate import GATE_ALPHA, GateRule

    rule = GateRule.of(config)
    cells = len({trial.cell for trial in plan})
    bound = f"at most {rule.schedule[-1]} rounds"
    if config.max_time_s is not None:
        bound += f", and no look ending after {format_duration(config.max_time_s)} of run time"
    return [
        f"  verdict           {config.apps[1]} against {config.apps[0]} at ±{config.gate_pct:g}%"
        " per level: regressed, improved, no change or inconclusive",
        f"  looks             at {', '.join(str(n) for n in rule.schedule)} rounds; each look's"
        f" interval at {rule.level_confidence:.1%}, all together {1 - GATE_ALPHA:.0%}",
        f"  bounds            {bound}",
        f"  a round           about {format_duration(cells * trial_seconds(config))}",
    ]


def _precision_lines(config: RunConfig, plan: Sequence[Trial]) -> list[str]:
    cells = len({trial.cell for trial in plan})
    per_round = cells * trial_seconds(config)
    extra = (config.max_repetitions or config.repetitions) - config.repetitions
    bound = f"at most {config.max_repetitions} rounds"
    if config.max_time_s is not None:
        bound += f", and no round ending after {format_duration(config.max_time_s)} of run time"
    return [
        f"  target            every app ratio's 95% CI within ±{config.target_ci_pct:g}%",
        f"  method            Stein's two-stage: the {config.repetitions} planned rounds are the"
        " pilot that decides how many rounds each ratio needs",
        f"  bounds            {bound}",
        f"  added rounds      0 to {extra}, about {format_duration(per_round)} each",
    ]


def _open_lines(config: RunConfig, plan: Sequence[Trial]) -> list[str]:
    served = {trial.cell[:2] for trial in plan}
    unserved = frozenset(
        (app, scenario)
        for app in config.apps
        for scenario in config.scenarios
        if (app, scenario) not in served
    )
    sweeps = make_sweeps(config.apps, config.scenarios, config.repetitions, config.seed, unserved)
    per_sweep = sweep_seconds(len(config.rates), config.warmup_s, config.duration_s)
    stall = config.inject_stall.label if config.inject_stall else "none"
    return [
        f"  rates             {', '.join(rate.label for rate in config.rates)}"
        " (a % is of the app's closed-loop req/s in this run)",
        f"  connections       {max(config.connections)}, each on its own constant schedule",
        f"  per rate          {_seconds(config.warmup_s)} warmup + {_seconds(config.duration_s)}"
        " measured, latency from each request's intended send time",
        f"  p99 promise       {config.slo_ms:g} ms (the knee: the highest rate that keeps it)",
        f"  injected stall    {stall}",
        f"  generator ceiling measured first (the static server, doubling from"
        f" {CEILING_START:,.0f} req/s)",
        *(
            f"  {f'sweeps ({len(sweeps)})' if n == 1 else '':<17} round {n}: "
            + ", ".join(f"{s.app}/{s.scenario}" for s in sweeps if s.repetition == n)
            for n in sorted({s.repetition for s in sweeps})
        ),
        f"  open-loop time    {format_duration(open_seconds(config))}"
        f" ({len(sweeps)} sweeps x {per_sweep:g} s + the generator's ceiling)",
    ]
