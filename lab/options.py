"""The flags `python -m lab run` and `python -m lab plan` share, and their conversion.

Every option defaults to None so a preset value is overridden only by a flag the user
actually gave. Values stay text in argparse and are converted by lab.config, so a bad
value is our UsageError (named flag, a hint, exit 2) rather than argparse's message.
"""

from __future__ import annotations

import argparse

from lab.catalog import APPS, SCENARIOS
from lab.config import (
    DEFAULT_PRESET,
    NETWORK_PATHS,
    PRESETS,
    CpuRequest,
    RunConfig,
    build_config,
    parse_app_env,
    parse_cpus,
    parse_float,
    parse_int,
    parse_int_list,
    parse_name_list,
    parse_optional_int,
)


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
    return f"(default preset: {_shown(PRESETS[DEFAULT_PRESET][field])})"


# The argparse destinations of the benchmark flags (for --resume, which takes none).
RUN_OPTION_DESTS = (
    "preset",
    "apps",
    "scenarios",
    "connections",
    "threads",
    "duration",
    "warmup",
    "repetitions",
    "cpus",
    "workers",
    "access_log",
    "seed",
    "out",
    "timeout",
    "ready_timeout",
    "app_env",
    "ceiling",
    "network_path",
    "aa",
)


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
        help=f"comma list of apps from {', '.join(APPS)} {_default('apps')}",
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


def config_from_args(ns: argparse.Namespace) -> RunConfig:
    """The validated RunConfig for parsed flags; raises UsageError on a bad value."""
    overrides: dict[str, object] = {}

    def given(dest: str) -> str | None:
        value = getattr(ns, dest, None)
        return None if value is None else str(value)

    if (text := given("apps")) is not None:
        overrides["apps"] = parse_name_list("--apps", text)
    if (text := given("scenarios")) is not None:
        overrides["scenarios"] = parse_name_list("--scenarios", text)
    if (text := given("connections")) is not None:
        overrides["connections"] = parse_int_list("--connections", text)
    if (text := given("threads")) is not None:
        overrides["threads"] = parse_optional_int("--threads", text)
    if (text := given("duration")) is not None:
        overrides["duration_s"] = parse_float("--duration", text)
    if (text := given("warmup")) is not None:
        overrides["warmup_s"] = parse_float("--warmup", text)
    if (text := given("repetitions")) is not None:
        overrides["repetitions"] = parse_int("--repetitions", text)
    if (text := given("cpus")) is not None:
        overrides["cpus"] = parse_cpus(text)
    if (text := given("workers")) is not None:
        overrides["workers"] = parse_optional_int("--workers", text)
    access_log = getattr(ns, "access_log", None)
    if access_log is not None:
        overrides["access_log"] = bool(access_log)
    if (text := given("seed")) is not None:
        overrides["seed"] = parse_int("--seed", text)
    if (text := given("out")) is not None:
        overrides["out"] = text
    if (text := given("timeout")) is not None:
        overrides["timeout_s"] = parse_float("--timeout", text)
    if (text := given("ready_timeout")) is not None:
        overrides["ready_timeout_s"] = parse_float("--ready-timeout", text)
    env_items = getattr(ns, "app_env", None)
    if env_items:
        overrides["app_env"] = tuple(parse_app_env(item) for item in env_items)
    ceiling = getattr(ns, "ceiling", None)
    if ceiling is not None:
        overrides["ceiling"] = bool(ceiling)
    if (text := given("network_path")) is not None:
        overrides["network_path"] = text
    if (text := given("aa")) is not None:
        overrides["aa"] = text
    preset = given("preset")
    return build_config(DEFAULT_PRESET if preset is None else preset, overrides)
