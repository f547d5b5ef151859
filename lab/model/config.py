"""Run configuration: presets plus the flags a user gave, validated into a frozen RunConfig.

Every bad value becomes a UsageError that names the flag and the value, so the CLI can
print it and exit 2 without a traceback.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from lab.errors import UsageError
from lab.model.catalog import APPS, SCENARIOS
from lab.model.cpurequest import CPU_ROLES, CpuRequest, check_cpu_value, parse_cpus
from lab.model.flagtext import (
    parse_float,
    parse_int,
    parse_int_list,
    parse_name_list,
    parse_optional_int,
)

DEFAULT_PRESET = "default"

# The command-line flag behind each RunConfig field, so errors name what the user typed.
FLAGS: Mapping[str, str] = MappingProxyType(
    {
        "apps": "--apps",
        "scenarios": "--scenarios",
        "connections": "--connections",
        "threads": "--threads",
        "duration_s": "--duration",
        "warmup_s": "--warmup",
        "repetitions": "--repetitions",
        "cpus": "--cpus",
        "workers": "--workers",
        "access_log": "--access-log",
        "seed": "--seed",
        "out": "--out",
        "timeout_s": "--timeout",
        "ready_timeout_s": "--ready-timeout",
        "app_env": "--app-env",
        "ceiling": "--ceiling",
        "network_path": "--network-path",
        "aa": "--aa",
    }
)

NETWORK_PATHS = ("bridge", "shared")
# The lab sets these itself from its own flags; --app-env must not contradict them.
RESERVED_APP_ENV = ("WORKERS", "WORKER_CLASS", "ACCESS_LOG", "REDIS_URL", "BIND")
AA_SUFFIXES = ("a", "b")


@dataclass(frozen=True, slots=True)
class RunConfig:
    """Everything that decides what a run measures; recorded with its results."""

    apps: tuple[str, ...]
    scenarios: tuple[str, ...]
    connections: tuple[int, ...]
    threads: int | None  # None: one wrk thread per wrk CPU
    duration_s: float
    warmup_s: float
    repetitions: int
    cpus: CpuRequest
    workers: int | None  # None: one gunicorn worker per app CPU
    access_log: bool
    seed: int
    out: str
    preset: str
    timeout_s: float
    ready_timeout_s: float = 30.0
    app_env: tuple[tuple[str, str], ...] = ()
    ceiling: bool = True  # measure the harness ceiling (a static server) first
    network_path: str = "bridge"  # or "shared": wrk in the app's network namespace
    aa: str | None = None  # A/A: one app as two identical variants

    def to_dict(self) -> dict[str, object]:
        return {
            "preset": self.preset,
            "apps": list(self.apps),
            "scenarios": list(self.scenarios),
            "connections": list(self.connections),
            "threads": self.threads,
            "duration_s": self.duration_s,
            "warmup_s": self.warmup_s,
            "repetitions": self.repetitions,
            "cpus": self.cpus.to_dict(),
            "workers": self.workers,
            "access_log": self.access_log,
            "seed": self.seed,
            "out": self.out,
            "timeout_s": self.timeout_s,
            "ready_timeout_s": self.ready_timeout_s,
            "app_env": dict(self.app_env),
            "ceiling": self.ceiling,
            "network_path": self.network_path,
            "aa": self.aa,
        }


def _preset(base: Mapping[str, object], **changes: object) -> Mapping[str, object]:
    return MappingProxyType({**base, **changes})


# `default` is what `make bench` runs: 20 trials that fit in about 5 minutes on 2 cores
# (see plan.estimate_seconds). Every preset names every field so help text can show it.
_DEFAULT: Mapping[str, object] = MappingProxyType(
    {
        "apps": ("flask", "aio"),
        "scenarios": ("hello", "hit"),
        "connections": (200,),
        "threads": None,
        "duration_s": 8.0,
        "warmup_s": 2.0,
        "repetitions": 5,
        "cpus": CpuRequest(),
        "workers": None,
        "access_log": False,
        "seed": 1,
        "out": "results",
        "timeout_s": 5.0,
        "ready_timeout_s": 30.0,
        "app_env": (),
        "ceiling": True,
        "network_path": "bridge",
        "aa": None,
    }
)

PRESETS: Mapping[str, Mapping[str, object]] = MappingProxyType(
    {
        DEFAULT_PRESET: _DEFAULT,
        # A smoke run of the whole matrix in under a minute; its numbers mean little.
        "quick": _preset(_DEFAULT, connections=(64,), duration_s=2.0, warmup_s=1.0, repetitions=1),
        # The original article's parameters, kept to reproduce its numbers.
        "seed": _preset(
            _DEFAULT,
            threads=8,
            duration_s=10.0,
            warmup_s=2.0,
            repetitions=3,
            workers=4,
            access_log=True,
        ),
    }
)


# --- coercion: an override may be typed already (from options.py) or still text ---


def _wrong_type(field: str, value: object, wanted: str) -> UsageError:
    flag = FLAGS[field]
    return UsageError(f"{flag}: {value!r} is not {wanted}", f"give {flag} {wanted}")


def _as_int(field: str, value: object) -> int:
    if isinstance(value, str):
        return parse_int(FLAGS[field], value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _wrong_type(field, value, "a whole number")
    return value


def _as_optional_int(field: str, value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, str):
        return parse_optional_int(FLAGS[field], value)
    return _as_int(field, value)


def _as_float(field: str, value: object) -> float:
    if isinstance(value, str):
        return parse_float(FLAGS[field], value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong_type(field, value, "a number")
    if not math.isfinite(value):
        raise _wrong_type(field, value, "a finite number")
    return float(value)


def _as_bool(field: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("true", "yes", "on", "1"):
            return True
        if word in ("false", "no", "off", "0"):
            return False
    raise _wrong_type(field, value, "on or off")


def _as_names(field: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return parse_name_list(FLAGS[field], value)
    if isinstance(value, tuple | list) and all(isinstance(item, str) for item in value):
        return tuple(str(item) for item in value)
    raise _wrong_type(field, value, "a comma-separated list of names")


def _as_ints(field: str, value: object) -> tuple[int, ...]:
    if isinstance(value, str):
        return parse_int_list(FLAGS[field], value)
    if isinstance(value, tuple | list):
        return tuple(_as_int(field, item) for item in value)
    return (_as_int(field, value),)


def _as_cpus(value: object) -> CpuRequest:
    if isinstance(value, str):
        return parse_cpus(value)
    if not isinstance(value, CpuRequest):
        raise _wrong_type("cpus", value, "role=count items such as app=1,wrk=1")
    for role in CPU_ROLES:
        check_cpu_value(role, value.for_role(role), f"{role}={value.for_role(role):g}")
    return value


# --- validation ---


def _check_names(
    field: str, names: tuple[str, ...], known: Mapping[str, object], kind: str
) -> None:
    flag = FLAGS[field]
    known_text = ", ".join(known)
    if not names:
        raise UsageError(f"{flag}: empty list", f"give one or more of: {known_text}")
    for name in names:
        if name not in known:
            raise UsageError(
                f"{flag}: unknown {kind} {name!r} (known: {known_text})",
                f"pick {kind}s from: {known_text}",
            )
    _check_unique(field, names)


def _check_unique(field: str, values: tuple[object, ...]) -> None:
    seen: set[object] = set()
    for value in values:
        if value in seen:
            raise UsageError(
                f"{FLAGS[field]}: {value!r} is listed twice",
                f"list each value of {FLAGS[field]} once",
            )
        seen.add(value)


def _check_min(field: str, value: float, minimum: float, *, strict: bool, hint: str) -> None:
    if value < minimum or (strict and value == minimum):
        bound = f"greater than {minimum:g}" if strict else f"at least {minimum:g}"
        raise UsageError(f"{FLAGS[field]}: {value:g} is too small (must be {bound})", hint)


def build_config(preset: str, overrides: Mapping[str, object]) -> RunConfig:
    """Start from `preset`, apply the overrides the user gave, and validate the result.

    Override keys are RunConfig field names (duration_s, not --duration); values may be
    typed or still flag text. Raises UsageError naming the flag of the first bad value.
    """
    if preset not in PRESETS:
        known = ", ".join(PRESETS)
        raise UsageError(
            f"--preset: unknown preset {preset!r} (known: {known})", f"pick one of: {known}"
        )
    unknown = sorted(set(overrides) - set(FLAGS))
    if unknown:
        raise UsageError(
            f"unknown setting {unknown[0]!r}", f"settings are: {', '.join(sorted(FLAGS))}"
        )
    values = {**PRESETS[preset], **overrides}

    apps = _as_names("apps", values["apps"])
    _check_names("apps", apps, APPS, "app")
    aa = values["aa"]
    if aa is not None:
        if not isinstance(aa, str) or aa not in APPS:
            raise UsageError(
                f"--aa: unknown app {aa!r} (known: {', '.join(APPS)})",
                f"give --aa one of: {', '.join(APPS)}",
            )
        # Two identically configured variants, interleaved like any two apps.
        # catalog.target() maps each variant back to its app.
        apps = tuple(f"{aa}:{suffix}" for suffix in AA_SUFFIXES)
    scenarios = _as_names("scenarios", values["scenarios"])
    _check_names("scenarios", scenarios, SCENARIOS, "scenario")

    connections = _as_ints("connections", values["connections"])
    if not connections:
        raise UsageError("--connections: empty list", "give one or more levels, e.g. 64,200")
    for level in connections:
        _check_min(
            "connections", level, 1, strict=False, hint="give each level at least 1 connection"
        )
    _check_unique("connections", connections)

    threads = _as_optional_int("threads", values["threads"])
    if threads is not None:
        _check_min("threads", threads, 1, strict=False, hint="give --threads at least 1, or auto")
    workers = _as_optional_int("workers", values["workers"])
    if workers is not None:
        _check_min("workers", workers, 1, strict=False, hint="give --workers at least 1, or auto")

    duration_s = _as_float("duration_s", values["duration_s"])
    _check_min(
        "duration_s", duration_s, 0, strict=True, hint="give --duration seconds above 0, e.g. 8"
    )
    warmup_s = _as_float("warmup_s", values["warmup_s"])
    _check_min("warmup_s", warmup_s, 0, strict=False, hint="give --warmup 0 or more seconds")
    timeout_s = _as_float("timeout_s", values["timeout_s"])
    _check_min(
        "timeout_s", timeout_s, 0, strict=True, hint="give --timeout seconds above 0, e.g. 5"
    )
    # wrk reads -d and --timeout as whole seconds; a fraction would silently not run.
    for field, value in (
        ("duration_s", duration_s),
        ("warmup_s", warmup_s),
        ("timeout_s", timeout_s),
    ):
        if value != int(value):
            raise UsageError(
                f"{FLAGS[field]} {value:g}: wrk runs whole seconds",
                f"give {FLAGS[field]} a whole number of seconds, e.g. {max(1, round(value))}",
            )

    repetitions = _as_int("repetitions", values["repetitions"])
    _check_min("repetitions", repetitions, 1, strict=False, hint="give --repetitions at least 1")
    seed = _as_int("seed", values["seed"])
    _check_min("seed", seed, 0, strict=False, hint="give --seed 0 or more")

    ready_timeout_s = _as_float("ready_timeout_s", values["ready_timeout_s"])
    _check_min(
        "ready_timeout_s",
        ready_timeout_s,
        0,
        strict=True,
        hint="give --ready-timeout seconds above 0, e.g. 30",
    )
    app_env = _as_env(values["app_env"])
    network_path = values["network_path"]
    if network_path not in NETWORK_PATHS:
        raise UsageError(
            f"--network-path: unknown path {network_path!r}",
            f"give --network-path one of: {', '.join(NETWORK_PATHS)}",
        )

    out = values["out"]
    if not isinstance(out, str) or not out.strip():
        raise UsageError(
            f"--out: {out!r} is not a directory name", "give --out a directory, e.g. results"
        )

    return RunConfig(
        apps=apps,
        scenarios=scenarios,
        connections=connections,
        threads=threads,
        duration_s=duration_s,
        warmup_s=warmup_s,
        repetitions=repetitions,
        cpus=_as_cpus(values["cpus"]),
        workers=workers,
        access_log=_as_bool("access_log", values["access_log"]),
        seed=seed,
        out=out,
        preset=preset,
        timeout_s=timeout_s,
        ready_timeout_s=ready_timeout_s,
        app_env=app_env,
        ceiling=_as_bool("ceiling", values["ceiling"]),
        network_path=str(network_path),
        aa=aa,
    )


def parse_app_env(text: str) -> tuple[str, str]:
    """`KEY=VALUE` for --app-env."""
    key, sep, value = text.partition("=")
    if not sep or not re.fullmatch(r"[A-Z_][A-Z0-9_]*", key):
        raise UsageError(
            f"--app-env: {text!r} is not KEY=VALUE with an upper-case KEY",
            "give e.g. --app-env REDIS_MAX_CONNECTIONS=128",
        )
    if key in RESERVED_APP_ENV:
        raise UsageError(
            f"--app-env: {key} is set by the lab itself",
            "use --workers, --apps or --access-log instead",
        )
    return key, value


def _env_text(item: object) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, tuple | list) and len(item) == 2:
        return f"{item[0]}={item[1]}"
    raise UsageError(f"--app-env: {item!r} is not KEY=VALUE", "give e.g. REDIS_MAX_CONNECTIONS=128")


def _as_env(value: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, tuple | list):
        raise UsageError(f"--app-env: {value!r} is not a list of KEY=VALUE", "")
    pairs = [parse_app_env(_env_text(item)) for item in value]
    keys = [pair[0] for pair in pairs]
    duplicated = sorted({key for key in keys if keys.count(key) > 1})
    if duplicated:
        raise UsageError(
            f"--app-env: {duplicated[0]} given more than once", "give each variable once"
        )
    return tuple((str(k), str(v)) for k, v in pairs)


def config_from_dict(data: Mapping[str, object]) -> RunConfig:
    """The RunConfig a run.json's `parameters` describe (the inverse of RunConfig.to_dict)."""
    preset = data.get("preset")
    if not isinstance(preset, str):
        raise UsageError("run.json: parameters have no preset", "the file is damaged")
    overrides: dict[str, object] = {}
    for key, value in data.items():
        if key == "preset":
            continue
        if key not in FLAGS:
            raise UsageError(f"run.json: unknown parameter {key!r}", "the file is damaged")
        if key == "cpus" and isinstance(value, Mapping):
            overrides[key] = parse_cpus(",".join(f"{k}={v}" for k, v in value.items()))
        elif key == "app_env" and isinstance(value, Mapping):
            overrides[key] = tuple((str(k), str(v)) for k, v in value.items())
        elif key == "apps" and data.get("aa"):
            continue  # derived from aa
        elif isinstance(value, list):
            overrides[key] = tuple(value)
        else:
            overrides[key] = value
    return build_config(preset, overrides)
