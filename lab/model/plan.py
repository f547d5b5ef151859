"""The trial plan: which app, scenario and connection level runs when, and how long it takes.

Trials are interleaved in seeded rounds, every cell once a round, so slow drift on the
host (thermal throttling, a noisy neighbour, a cache warming up) lands on every app
instead of on whichever ran last; lab.model.order says in what order within a round.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from lab.errors import UsageError
from lab.model.appfolder import AppSpec
from lab.model.catalog import Catalog, builtin_catalog
from lab.model.cell import Cell
from lab.model.config import GATE_MIN, PILOT_MIN, RunConfig
from lab.model.fairness import ANY_ADDRESS, Policy, server_command, unhonoured
from lab.model.openload import Sweep, ceiling_seconds, make_sweeps, sweep_seconds
from lab.model.order import rounds_of
from lab.model.placement import (
    Placement,
    gunicorn_workers,
    place,
    place_on,
    round_connection_levels,
    wrk_threads,
)
from lab.model.scenarios import Scenario
from lab.model.shards import ShardPlan, plan_hash, shard_rounds
from lab.model.topology import LOOPBACK, Topology

# A fresh app container per trial: create and start it, wait for readiness, verify the
# response, let /hit's counter settle, stop and remove it. Measured on 2 cores on
# 2026-12-07: 1.4-1.7 s over per trial (the mean gap between trial starts less the load,
# in six runs of 2, 4 and 8 s trials); engines on other hosts add two engine stats
# samples, about a second each.
TRIAL_OVERHEAD_S = 1.6
# Two mirrored pairs of rounds: the fewest that show a spread with every variant at the
# same mean position (three left one round unpaired, and 2 of 10 b/a intervals of five
# quick A/A runs excluded 1 on 2026-12-07).
AA_MIN_REPETITIONS = 4
# Once per run: the network, Redis and its readiness, the calibration (3 x 2 s).
RUN_OVERHEAD_S = 15.0


@dataclass(frozen=True, slots=True)
class Trial:
    index: int  # position in the run, from 1
    app: str
    scenario: str
    connections: int
    repetition: int  # from 1

    @property
    def cell(self) -> Cell:
        return Cell(self.app, self.scenario, self.connections)

    def to_dict(self) -> dict[str, object]:
        return {
            "index": self.index,
            "app": self.app,
            "scenario": self.scenario,
            "connections": self.connections,
            "repetition": self.repetition,
        }


def make_plan(
    config: RunConfig,
    connections: tuple[int, ...],
    rounds: int | None = None,
    unserved: frozenset[tuple[str, str]] = frozenset(),
) -> tuple[Trial, ...]:
    """Every cell once per round, `rounds` (default `config.repetitions`) rounds, in the
    configuration's order (lab.model.order).

    `connections` are the levels as they will run (already rounded to the wrk threads).
    The same seed always gives the same order, and more rounds only add to the end: the
    first rounds are the same however many follow. `unserved` (app, scenario) pairs,
    those an app's manifest does not list, have no trials.
    """
    cells = [
        Cell(app, scenario, level)
        for app in config.apps
        for scenario in config.scenarios
        if (app, scenario) not in unserved
        for level in connections
    ]
    count = config.repetitions if rounds is None else rounds
    trials: list[Trial] = []
    for repetition, order in enumerate(rounds_of(cells, count, config.seed, config.order), 1):
        for cell in order:
            trials.append(
                Trial(len(trials) + 1, cell.app, cell.scenario, cell.connections, repetition)
            )
    return tuple(trials)


def trial_seconds(config: RunConfig, overhead_s: float = TRIAL_OVERHEAD_S) -> float:
    """Wall time of one trial: its warmup and load, and a fresh app container's overhead
    around them; a ceiling trial and each trial of an added round take as long."""
    return config.warmup_s + config.duration_s + overhead_s


def estimate_seconds(
    plan: Sequence[Trial],
    config: RunConfig,
    per_trial_overhead_s: float = TRIAL_OVERHEAD_S,
    per_run_overhead_s: float = RUN_OVERHEAD_S,
) -> float:
    """Wall time of the whole run: each trial's warmup, load and overhead, plus setup
    (and one ceiling trial per connection level when the ceiling is measured)."""
    per_trial = trial_seconds(config, per_trial_overhead_s)
    ceiling = len({trial.connections for trial in plan}) if config.ceiling else 0
    cells = len({trial.cell[:2] for trial in plan})
    return per_run_overhead_s + (len(plan) + ceiling) * per_trial + open_seconds(config, cells)


def open_seconds(config: RunConfig, cells: int | None = None) -> float:
    """Open mode's part of the wall time: the generator's own ceiling and the sweeps
    (one per app x scenario served, `cells` of them; default every pair)."""
    if config.mode != "open":
        return 0.0
    pairs = len(config.apps) * len(config.scenarios) if cells is None else cells
    sweeps = pairs * config.repetitions
    per_sweep = sweep_seconds(len(config.rates), config.warmup_s, config.duration_s)
    return ceiling_seconds() + sweeps * per_sweep


@dataclass(frozen=True, slots=True)
class Blueprint:
    """A run fully decided before anything touches the engine."""

    config: RunConfig
    placement: Placement
    threads: int
    workers: int
    connections: tuple[int, ...]
    notes: tuple[str, ...]
    trials: tuple[Trial, ...]
    # With --target-ci: the rounds that may follow the planned ones, in the order they run.
    extra_trials: tuple[Trial, ...] = ()
    # With --mode open: the sweeps that follow the closed-loop trials, in the order they run.
    sweeps: tuple[Sweep, ...] = ()
    # Where the run's apps come from: the lab's apps/ and the user's folders.
    catalog: Catalog = field(default_factory=builtin_catalog)
    # Each role's engine, as the engines described themselves; None: `lab plan`, which
    # asks no engine (all roles on one, with this machine's CPUs).
    topology: Topology | None = None
    # With --shard: which share of the whole plan `trials` are (lab.model.shards).
    shard: ShardPlan | None = None

    @property
    def network_path(self) -> str:
        """How wrk reaches the app: roles on different engines share no Docker network,
        so they talk over the hosts' network."""
        if self.topology is not None and self.topology.split:
            return "host"
        return self.config.network_path

    def address(self, role: str) -> str:
        """Where the other roles reach `role` (app, load, redis) on the host network."""
        return self.topology.address(role) if self.topology else LOOPBACK

    def app(self, name: str) -> AppSpec:
        return self.catalog.app(name)

    def scenario(self, name: str) -> Scenario:
        return self.catalog.scenario(name)

    @property
    def needs_postgres(self) -> bool:
        """Whether a planned scenario reads PostgreSQL, which the run then starts."""
        return any(self.scenario(name).uses_postgres for name in self.config.scenarios)

    @property
    def policy(self) -> Policy:
        """What every app's server gets alike (model.fairness)."""
        host = self.address("app") if self.network_path == "host" else ANY_ADDRESS
        return Policy(workers=self.workers, access_log=self.config.access_log, host=host)

    @property
    def estimate_s(self) -> float:
        return estimate_seconds(self.trials, self.config)

    def effective(self) -> dict[str, object]:
        """What the run uses after defaults and rounding, beside what was asked."""
        effective: dict[str, object] = {
            "threads": self.threads,
            "workers": self.workers,
            "connections": list(self.connections),
            "notes": list(self.notes),
        }
        if self.sweeps:
            effective["sweeps"] = [sweep.to_dict() for sweep in self.sweeps]
        effective["network_path"] = self.network_path
        if self.topology is not None and self.topology.split:
            effective["topology"] = self.topology.to_dict()
        if self.topology is not None and self.network_path == "host":
            effective["addresses"] = {role: self.address(role) for role in ("app", "redis")}
        effective["fairness"] = self.policy.to_dict()
        effective["apps"] = {name: self._app_facts(name) for name in self.config.apps}
        return effective

    def _app_facts(self, name: str) -> dict[str, object]:
        app = self.app(name)
        facts: dict[str, object] = {
            "image": app.image,
            "framework": app.framework,
            "server": app.server.to_dict(),
            "deployment": app.deployment,
            "command": list(server_command(app.server, self.policy) or ()),
            "unhonoured": list(unhonoured(app)),
        }
        derivation = self.catalog.folder(app.image).derivation
        if derivation is not None:
            facts["version"] = derivation.to_dict()  # where its folder came from, both locks
        return facts


def blueprint(config: RunConfig, host_cpus: int, topology: Topology | None = None) -> Blueprint:
    """Placement, wrk threads, gunicorn workers, rounded connections and the trial order.

    With a `topology`, each role is placed on its own engine's host (`host_cpus` is then
    unused); without, all on one engine with `host_cpus` CPUs.
    """
    notes: list[str] = []
    if topology is not None and topology.split and config.network_path == "shared":
        raise UsageError(
            "--network-path shared: wrk cannot share the app's network namespace when the"
            " app and the load generator run on different engines",
            "drop --network-path (roles on different engines talk over the hosts' network)",
        )
    if config.aa and config.repetitions < AA_MIN_REPETITIONS:
        # One trial a variant cannot show whether two identical variants differ.
        notes.append(
            f"--aa: repetitions raised from {config.repetitions} to {AA_MIN_REPETITIONS}, "
            "two mirrored pairs of rounds, the fewest that can tell whether the two variants"
            " differ with each at the same mean position"
        )
        config = replace(config, repetitions=AA_MIN_REPETITIONS)
    if config.target_ci_pct is not None and config.repetitions < PILOT_MIN:
        notes.append(
            f"--target-ci: repetitions raised from {config.repetitions} to {PILOT_MIN}, the"
            " fewest planned rounds that can tell how many more the target needs"
        )
        config = replace(config, repetitions=PILOT_MIN)
    if config.gate_pct is not None and config.repetitions < GATE_MIN:
        notes.append(
            f"--gate: repetitions raised from {config.repetitions} to {GATE_MIN}, two mirrored"
            " pairs of rounds: the first look at HEAD against BASE"
        )
        config = replace(config, repetitions=GATE_MIN)
    catalog = config.catalog()
    unserved = frozenset(
        (app, scenario)
        for app in config.apps
        for scenario in config.scenarios
        if scenario not in catalog.app(app).scenarios
    )
    notes += unserved_notes(catalog, config.apps, unserved)
    placement = (
        place(config.cpus, host_cpus) if topology is None else place_on(config.cpus, topology)
    )
    threads = wrk_threads(config, placement)
    connections, rounding = round_connection_levels(config.connections, threads)
    planned = make_plan(config, connections, unserved=unserved)
    made = Blueprint(
        config=config,
        placement=placement,
        threads=threads,
        workers=gunicorn_workers(config, placement),
        connections=connections,
        notes=tuple(notes) + tuple(placement.notes) + tuple(rounding),
        trials=planned,
        extra_trials=make_plan(config, connections, config.max_repetitions, unserved)[
            len(planned) :
        ]
        if config.max_repetitions is not None
        else (),
        sweeps=make_sweeps(config.apps, config.scenarios, config.repetitions, config.seed, unserved)
        if config.mode == "open"
        else (),
        catalog=catalog,
        topology=topology,
    )
    return made if config.shard is None else _sharded(made)


def _sharded(whole: Blueprint) -> Blueprint:
    """The shard's blueprint: its rounds of the whole plan, each trial at its index there,
    and the whole plan's hash."""
    config = whole.config
    assert config.shard is not None
    rounds = shard_rounds(config.shard, config.repetitions, config.order)
    shard = ShardPlan(
        shard=config.shard,
        rounds=rounds,
        plan_rounds=config.repetitions,
        plan_trials=len(whole.trials),
        plan_hash=plan_hash(
            [trial.to_dict() for trial in whole.trials],
            config.seed,
            config.to_dict(),
            whole.effective(),
        ),
    )
    mine = tuple(trial for trial in whole.trials if trial.repetition in rounds)
    return replace(whole, trials=mine, shard=shard)


def unserved_notes(
    catalog: Catalog, apps: Sequence[str], unserved: frozenset[tuple[str, str]]
) -> list[str]:
    """What the plan leaves out and why: an app's own endpoints once for all the other
    apps, each lab scenario an app leaves out in its manifest's words."""
    owners = {s.name: app for app in apps for s in catalog.app(app).own_scenarios}
    notes = []
    for scenario in sorted({s for _, s in unserved if s in owners}):
        others = [app for app in apps if (app, scenario) in unserved]
        notes.append(
            f"{scenario} is {owners[scenario]}'s own endpoint: the trials of"
            f" {', '.join(others)} on it are left out"
        )
    for app, scenario in sorted(unserved):
        if scenario not in owners:
            why = catalog.app(app).why_not(scenario)
            notes.append(
                f"{app} does not serve {scenario} (its app.toml{f': {why}' if why else ''}):"
                " those trials are left out"
            )
    return notes
