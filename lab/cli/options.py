"""The flags `python -m lab run` and `python -m lab plan` share, and their conversion.

Every option defaults to None so a preset value is overridden only by a flag the user
actually gave. Values stay text in argparse and are converted by lab.model.fields, so a
bad value is our UsageError (named flag, a hint, exit 2) rather than argparse's message.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from lab.errors import UsageError
from lab.model.catalog import SCENARIOS
from lab.model.config import (
    DEFAULT_PRESET,
    NETWORK_PATHS,
    PRESETS,
    RunConfig,
    build_config,
)
from lab.model.cpurequest import CpuRequest
from lab.model.openload import MODES
from lab.model.order import ORDERS
from lab.model.topology import EngineTarget, merge_targets, parse_engine_flag, parse_lab_toml


def _shown(value: object) -> str:
    if value is None:
        return "auto"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, tuple):
        return ",".join(_shown(item) for item in value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, CpuRequest):
        return value.to_text()
    return str(value)


def _default(field: str) -> str:
    # argparse formats help with %, so a percentage in a default must be escaped.
    shown = _shown(PRESETS[DEFAULT_PRESET][field]).replace("%", "%%")
    return f"(default preset: {shown})"


# Each benchmark flag's argparse destination and the RunConfig field it sets.
FIELD_OF_DEST = {
    "apps": "apps",
    "scenarios": "scenarios",
    "connections": "connections",
    "threads": "threads",
    "duration": "duration_s",
    "warmup": "warmup_s",
    "repetitions": "repetitions",
    "cpus": "cpus",
    "workers": "workers",
    "access_log": "access_log",
    "seed": "seed",
    "out": "out",
    "timeout": "timeout_s",
    "ready_timeout": "ready_timeout_s",
    "app_env": "app_env",
    "ceiling": "ceiling",
    "network_path": "network_path",
    "aa": "aa",
    "target_ci": "target_ci_pct",
    "max_repetitions": "max_repetitions",
    "max_time": "max_time_s",
    "mode": "mode",
    "rates": "rates",
    "slo": "slo_ms",
    "inject_stall": "inject_stall",
    "engine": "engines",
    "order": "order",
}


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Add the benchmark flags to a `run` or `plan` subcommand parser."""
    group = parser.add_argument_group("benchmark options")
    group.add_argument(
        "--preset",
        metavar="{" + ",".join(PRESETS) + "}",
        help=f"starting values that the flags below override (default: {DEFAULT_PRESET})",
    )
    group.add_argument(
        "--apps",
        metavar="LIST",
        help="comma list of apps (`lab apps` lists them), `all` for every one, or the path of"
        f" an app folder of your own, e.g. ./myapp {_default('apps')}",
    )
    group.add_argument(
        "--scenarios",
        metavar="LIST",
        help=f"comma list of scenarios from {', '.join(SCENARIOS)} {_default('scenarios')}",
    )
    group.add_argument(
        "--connections",
        metavar="N[,N...]",
        help="open wrk connections; a comma list sweeps several levels, each rounded to a "
        f"multiple of the wrk threads {_default('connections')}",
    )
    group.add_argument(
        "--threads",
        metavar="N|auto",
        help=f"wrk threads; auto is one per wrk CPU {_default('threads')}",
    )
    group.add_argument(
        "--duration",
        metavar="SECONDS",
        help=f"measured load per trial {_default('duration_s')}",
    )
    group.add_argument(
        "--warmup",
        metavar="SECONDS",
        help=f"unmeasured load before each trial {_default('warmup_s')}",
    )
    group.add_argument(
        "--repetitions",
        metavar="N",
        help=f"trials per app, scenario and connection level {_default('repetitions')}",
    )
    group.add_argument(
        "--cpus",
        metavar="ROLE=N,...",
        help="CPUs per container for roles app, wrk, redis; a fraction such as app=0.5 is "
        f"a CPU quota {_default('cpus')}",
    )
    group.add_argument(
        "--workers",
        metavar="N|auto",
        help=f"gunicorn workers; auto is one per app CPU {_default('workers')}",
    )
    group.add_argument(
        "--access-log",
        action=argparse.BooleanOptionalAction,
        help=f"let gunicorn write an access log line per request {_default('access_log')}",
    )
    group.add_argument(
        "--seed",
        metavar="N",
        help=f"seed of the random trial order {_default('seed')}",
    )
    group.add_argument(
        "--order",
        metavar="{" + ",".join(ORDERS) + "}",
        help="blocked: each level's apps adjacent, every second round mirrored, so a drifting"
        " host moves the apps of a ratio alike; shuffled: each round shuffled on its own"
        f" {_default('order')}",
    )
    group.add_argument(
        "--out",
        metavar="DIR",
        help=f"directory for the results {_default('out')}",
    )
    group.add_argument(
        "--timeout",
        metavar="SECONDS",
        help=f"wrk's per-request timeout {_default('timeout_s')}",
    )
    group.add_argument(
        "--ready-timeout",
        metavar="SECONDS",
        help=f"how long an app may take to answer after it starts {_default('ready_timeout_s')}",
    )
    group.add_argument(
        "--app-env",
        metavar="KEY=VALUE",
        action="append",
        help="extra environment for the app containers, e.g. REDIS_MAX_CONNECTIONS=128 "
        "(repeatable; recorded with the results)",
    )
    group.add_argument(
        "--ceiling",
        action=argparse.BooleanOptionalAction,
        help="first measure the harness ceiling: a static server answering the same text, "
        f"in the app's placement {_default('ceiling')}",
    )
    group.add_argument(
        "--network-path",
        metavar="{" + ",".join(NETWORK_PATHS) + "}",
        help="bridge: wrk reaches the app across the run's network; shared: wrk runs in the "
        f"app container's network namespace {_default('network_path')}",
    )
    group.add_argument(
        "--aa",
        metavar="APP",
        help="A/A run: APP as two identically configured variants (APP:a, APP:b), "
        "interleaved, to show the smallest difference this machine can resolve",
    )
    group.add_argument(
        "--target-ci",
        metavar="PCT",
        help="after the planned rounds, add rounds until every app ratio's 95%% interval is "
        "within +-PCT%% of it (Stein's two-stage procedure: the planned rounds, at least 3, "
        "are its pilot)",
    )
    group.add_argument(
        "--max-repetitions",
        metavar="N",
        help="with --target-ci: at most N rounds in all (default: 30)",
    )
    group.add_argument(
        "--max-time",
        metavar="DURATION",
        help="with --target-ci: add no round that would end after DURATION of run time, "
        "e.g. 6m or 1h (default: no limit)",
    )
    group.add_argument(
        "--mode",
        metavar="{" + ",".join(MODES) + "}",
        help="closed: wrk's closed loop, throughput and latency at it; open: then each app "
        "offered constant rates, latency from each request's intended send time "
        f"{_default('mode')}",
    )
    group.add_argument(
        "--rates",
        metavar="LIST",
        help="open mode: the offered rates, percentages of the app's closed-loop throughput "
        f"or requests/s, e.g. 10%%,50%%,100%% or 500,2000 {_default('rates')}",
    )
    group.add_argument(
        "--slo",
        metavar="MS",
        help="open mode: the p99 latency promise; the knee is the highest rate that keeps it "
        f"{_default('slo_ms')}",
    )
    group.add_argument(
        "--inject-stall",
        metavar="PAUSE/PERIOD",
        help="pause the app container for PAUSE in the middle of every PERIOD of each "
        "measured window, e.g. 500ms/5s: shows what each mode makes of a stall",
    )
    add_engine_options(group)


def add_engine_options(group: argparse._ActionsContainer) -> None:
    """--engine and --config: where each role runs (`run`, `plan` and `clean` take them)."""
    group.add_argument(
        "--engine",
        metavar="ROLE=URL",
        action="append",
        help="run ROLE (app, load or redis) on the Docker engine at URL: unix:///…/docker.sock,"
        " tcp://HOST:2376 (TLS from DOCKER_CERT_PATH) or ssh://USER@HOST; repeatable; roles"
        " not named run on the local engine",
    )
    group.add_argument(
        "--config",
        metavar="FILE",
        help="a lab.toml whose [engines] table places roles as --engine does (flags win)",
    )


def given_settings(ns: argparse.Namespace) -> dict[str, object]:
    """The RunConfig fields the user set on the command line, still as flag text.

    build_config parses and validates them, so errors name the flag either way.
    """
    return {
        field: value
        for dest, field in FIELD_OF_DEST.items()
        if (value := getattr(ns, dest, None)) is not None and value != []
    }


def config_from_args(ns: argparse.Namespace) -> RunConfig:
    """The validated RunConfig for parsed flags; raises UsageError on a bad value."""
    preset = getattr(ns, "preset", None)
    settings = given_settings(ns)
    targets = engine_targets(ns)
    if targets:
        settings["engines"] = targets
    return build_config(DEFAULT_PRESET if preset is None else str(preset), settings)


def engine_targets(ns: argparse.Namespace) -> tuple[EngineTarget, ...]:
    """The engines --config's file and the --engine flags name, the flags winning."""
    path = getattr(ns, "config", None)
    from_file: tuple[EngineTarget, ...] = ()
    if path is not None:
        try:
            text = Path(path).read_text()
        except OSError as exc:
            raise UsageError(
                f"--config {path}: {exc.strerror or exc}", "give the path of a lab.toml"
            ) from exc
        from_file = parse_lab_toml(text, path)
    flags = tuple(parse_engine_flag(text) for text in getattr(ns, "engine", None) or ())
    return merge_targets(from_file, flags)
