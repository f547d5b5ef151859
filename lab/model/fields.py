"""Every RunConfig field declared once: its flag, its default, how a value is read and
checked, how run.json records it, and its --help.

From this table config.py derives the default preset, RunConfig.to_dict and
config_from_dict, and cli/options.py the flags; adding a field is an entry here and its
typed attribute on RunConfig. A reader checks its value alone; the checks that join
fields (the apps and --aa, --target-ci's bounds, open mode's flags) are config.py's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from lab.model.cpurequest import CpuRequest
from lab.model.flagvalues import (
    Reader,
    as_auto_count,
    as_bool,
    as_connections,
    as_cpus,
    as_directory,
    as_engine_targets,
    as_env,
    as_milliseconds,
    as_names,
    as_optional_duration,
    as_optional_int,
    as_optional_percent,
    as_rates,
    as_scenarios,
    as_seconds,
    as_stall,
    as_workers,
    as_wrk_seconds,
    at_least,
    braced,
    one_of,
)
from lab.model.openload import DEFAULT_RATES, DEFAULT_SLO_MS, MODES, RateSpec, StallSpec
from lab.model.order import BLOCKED, ORDERS, SHUFFLED
from lab.model.scenarios import SCENARIOS
from lab.model.shards import as_shard, shard_label
from lab.model.topology import EngineTarget
from lab.model.versions import as_versions, record_versions

NETWORK_PATHS = ("bridge", "shared", "host")


def _as_is(value: Any) -> object:
    return value


def _checked_with_the_apps(_flag: str, value: object) -> object:
    return value  # --aa names an app of the catalog, which the apps decide (config.py)


@dataclass(frozen=True, slots=True)
class Field:
    name: str  # the RunConfig attribute, the override's key and run.json's
    flag: str  # what every error about the field names
    default: object  # in the default preset
    read: Reader
    help: str = ""  # empty: no flag of its own (app_folders come from --apps)
    metavar: str | None = None
    # On the command line: a value, a switch (--x and --no-x) or a repeated flag.
    form: Literal["value", "switch", "repeated"] = "value"
    shows_default: bool = True  # --help ends with the default preset's value
    record: Callable[[Any], object] = _as_is  # its value in run.json
    # What a run.json written before the field existed meant; None: the preset's value.
    unrecorded: object = None

    @property
    def is_option(self) -> bool:
        """Has a flag of its own (app_folders has none: --apps names folders and apps)."""
        return bool(self.help)

    def value_of(self, value: object) -> object:
        return self.read(self.flag, value)


def _labels(rates: tuple[RateSpec, ...]) -> list[str]:
    return [rate.label for rate in rates]


def _stall_label(stall: StallSpec | None) -> str | None:
    return stall.label if stall else None


def _engine_table(engines: tuple[EngineTarget, ...]) -> dict[str, object]:
    return {target.role: target.to_dict() for target in engines}


# In run.json's order. The defaults are what `make bench` runs: 8 rounds of 5 s trials,
# about 4.5 minutes on 2 cores (see plan.estimate_seconds). Measured on this host at equal
# wall time (docs/drift.md, "Precision per minute"), 9 rounds of 4 s gave ratio intervals half as
# wide as 5 rounds of 8 s, and 13 of 2 s no better than 9 of 4 s; 5 s keeps the slowest
# cell's window above the 10,000 responses a p99.9 needs.
FIELDS = (
    Field(
        "apps",
        "--apps",
        ("flask", "aio"),
        as_names,
        metavar="LIST",
        record=list,
        help="comma list of apps (`lab apps` lists them), `all` for every one, or the path of"
        " an app folder of your own, e.g. ./myapp; either with @PACKAGE==VERSION or @REVISION"
        " runs at another version beside itself: aio@aiohttp==3.9.5, ./myapp@main (docs/apps.md)",
    ),
    Field("app_folders", "--apps", (), as_names, record=list),
    Field("versions", "--apps", (), as_versions, record=record_versions),
    Field(
        "scenarios",
        "--scenarios",
        ("hello", "hit"),
        as_scenarios,
        metavar="LIST",
        record=list,
        help=f"comma list of scenarios from {', '.join(SCENARIOS)}; `upload` stands for the"
        " three upload sizes, `all` for every scenario (docs/scenarios.md)",
    ),
    Field(
        "connections",
        "--connections",
        (200,),
        as_connections,
        metavar="N[,N...]",
        record=list,
        help="open wrk connections; a comma list sweeps several levels, each rounded to a"
        " multiple of the wrk threads",
    ),
    Field(
        "threads",
        "--threads",
        None,
        as_auto_count,
        metavar="N|auto",
        help="wrk threads; auto is one per wrk CPU",
    ),
    Field(
        "duration_s",
        "--duration",
        5.0,
        as_wrk_seconds(8),
        metavar="SECONDS",
        help="measured load per trial",
    ),
    Field(
        "warmup_s",
        "--warmup",
        1.0,
        as_wrk_seconds(None),
        metavar="SECONDS",
        help="unmeasured load before each trial",
    ),
    Field(
        "repetitions",
        "--repetitions",
        8,
        at_least(1),
        metavar="N",
        help="trials per app, scenario and connection level",
    ),
    Field(
        "cpus",
        "--cpus",
        CpuRequest(),
        as_cpus,
        metavar="ROLE=N,...",
        record=CpuRequest.to_dict,
        help="CPUs per container for roles app, wrk, redis; a fraction such as app=0.5 is a"
        " CPU quota",
    ),
    Field(
        "workers",
        "--workers",
        None,
        as_workers,
        metavar="N|auto",
        help="gunicorn workers; auto is one per app CPU",
    ),
    Field(
        "access_log",
        "--access-log",
        False,
        as_bool,
        form="switch",
        help="let gunicorn write an access log line per request",
    ),
    Field("seed", "--seed", 1, at_least(0), metavar="N", help="seed of the random trial order"),
    Field("out", "--out", "results", as_directory, metavar="DIR", help="directory for the results"),
    Field(
        "timeout_s",
        "--timeout",
        5.0,
        as_wrk_seconds(5),
        metavar="SECONDS",
        help="wrk's per-request timeout",
    ),
    Field(
        "ready_timeout_s",
        "--ready-timeout",
        30.0,
        as_seconds(30),
        metavar="SECONDS",
        help="how long an app may take to answer after it starts",
    ),
    Field(
        "app_env",
        "--app-env",
        (),
        as_env,
        metavar="KEY=VALUE",
        form="repeated",
        shows_default=False,
        record=dict,
        help="extra environment for the app containers, e.g. REDIS_MAX_CONNECTIONS=128"
        " (repeatable; recorded with the results)",
    ),
    Field(
        "ceiling",
        "--ceiling",
        True,
        as_bool,
        form="switch",
        help="first measure the harness ceiling: a static server answering the same text, in"
        " the app's placement",
    ),
    Field(
        "network_path",
        "--network-path",
        "bridge",
        one_of("path", NETWORK_PATHS),
        metavar=braced(NETWORK_PATHS),
        help="bridge: wrk reaches the app across the run's network; shared: wrk runs in the"
        " app container's network namespace",
    ),
    Field(
        "aa",
        "--aa",
        None,
        _checked_with_the_apps,
        metavar="APP",
        shows_default=False,
        help="A/A run: APP as two identically configured variants (APP:a, APP:b),"
        " interleaved, to show the smallest difference this machine can resolve",
    ),
    Field(
        "target_ci_pct",
        "--target-ci",
        None,
        as_optional_percent,
        metavar="PCT",
        shows_default=False,
        help="after the planned rounds, add rounds until every app ratio's 95% interval is"
        " within +-PCT% of it (Stein's two-stage procedure: the planned rounds, at least 3,"
        " are its pilot)",
    ),
    Field(
        "max_repetitions",
        "--max-repetitions",
        None,
        as_optional_int,
        metavar="N",
        shows_default=False,
        help="with --target-ci or --gate: at most N rounds in all (default: 30)",
    ),
    Field(
        "max_time_s",
        "--max-time",
        None,
        as_optional_duration,
        metavar="DURATION",
        shows_default=False,
        help="with --target-ci or --gate: add no round that would end after DURATION of run"
        " time, e.g. 6m or 1h (default: no limit)",
    ),
    Field(
        "mode",
        "--mode",
        "closed",
        one_of("mode", MODES),
        metavar=braced(MODES),
        help="closed: wrk's closed loop, throughput and latency at it; open: then each app"
        " offered constant rates, latency from each request's intended send time",
    ),
    Field(
        "rates",
        "--rates",
        DEFAULT_RATES,
        as_rates,
        metavar="LIST",
        record=_labels,
        help="open mode: the offered rates, percentages of the app's closed-loop throughput"
        " or requests/s, e.g. 10%,50%,100% or 500,2000",
    ),
    Field(
        "slo_ms",
        "--slo",
        DEFAULT_SLO_MS,
        as_milliseconds,
        metavar="MS",
        help="open mode: the p99 latency promise; the knee is the highest rate that keeps it",
    ),
    Field(
        "inject_stall",
        "--inject-stall",
        None,
        as_stall,
        metavar="PAUSE/PERIOD",
        shows_default=False,
        record=_stall_label,
        help="pause the app container for PAUSE in the middle of every PERIOD of each"
        " measured window, e.g. 500ms/5s: shows what each mode makes of a stall",
    ),
    Field(
        "engines",
        "--engine",
        (),
        as_engine_targets,
        metavar="ROLE=URL",
        form="repeated",
        shows_default=False,
        record=_engine_table,
        help="run ROLE (app, load or redis) on the Docker engine at URL:"
        " unix:///…/docker.sock, tcp://HOST:2376 (TLS from DOCKER_CERT_PATH) or"
        " ssh://USER@HOST; repeatable; roles not named run on the local engine",
    ),
    Field(
        "order",
        "--order",
        BLOCKED,
        one_of("order", ORDERS),
        metavar=braced(ORDERS),
        # Runs made before the blocked order recorded none: theirs was the shuffled one.
        unrecorded=SHUFFLED,
        help="blocked: each level's apps adjacent, every second round mirrored, so a drifting"
        " host moves the apps of a ratio alike; shuffled: each round shuffled on its own",
    ),
    Field(
        "gate_pct",
        "--gate",
        None,
        as_optional_percent,
        metavar="PCT",
        shows_default=False,
        help="with two apps, BASE then HEAD: after the planned rounds, add rounds until every"
        " level's verdict on HEAD/BASE against +-PCT% is decided (regressed, improved, no"
        " change), looking every 4 rounds (`lab gate` runs this; docs/gate.md)",
    ),
    Field(
        "shard",
        "--shard",
        None,
        as_shard,
        metavar="I/N",
        shows_default=False,
        record=shard_label,
        help="run only shard I of N of the plan: its share of the rounds, whole, every trial"
        " at its index in the whole plan; `lab merge` joins the shards (docs/shards.md)",
    ),
)

FIELD = MappingProxyType({field.name: field for field in FIELDS})
# The command-line flag behind each RunConfig field, so errors name what the user typed.
FLAGS = MappingProxyType({field.name: field.flag for field in FIELDS})
DEFAULTS = MappingProxyType({field.name: field.default for field in FIELDS})
