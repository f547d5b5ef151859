"""A configuration field's value, checked and converted; every error names the field's flag.

An override reaches the configuration typed already (from the CLI's options) or still as
text (a preset, a run.json), so each converter takes both.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from types import MappingProxyType

from lab.errors import UsageError
from lab.model.cpurequest import CPU_ROLES, CpuRequest, check_cpu_value, parse_cpus
from lab.model.flagtext import (
    parse_duration,
    parse_float,
    parse_int,
    parse_int_list,
    parse_name_list,
    parse_optional_int,
    parse_percent,
)

# The command-line flag behind each RunConfig field, so errors name what the user typed.
FLAGS: Mapping[str, str] = MappingProxyType(
    {
        "apps": "--apps",
        "app_folders": "--apps",
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
        "target_ci_pct": "--target-ci",
        "max_repetitions": "--max-repetitions",
        "max_time_s": "--max-time",
        "mode": "--mode",
        "rates": "--rates",
        "slo_ms": "--slo",
        "inject_stall": "--inject-stall",
        "engines": "--engine",
        "order": "--order",
    }
)

RESERVED_APP_ENV = ("WORKERS", "WORKER_CLASS", "ACCESS_LOG", "REDIS_URL", "BIND")


def wrong_type(field: str, value: object, wanted: str) -> UsageError:
    flag = FLAGS[field]
    return UsageError(f"{flag}: {value!r} is not {wanted}", f"give {flag} {wanted}")


def as_int(field: str, value: object) -> int:
    if isinstance(value, str):
        return parse_int(FLAGS[field], value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise wrong_type(field, value, "a whole number")
    return value


def as_optional_int(field: str, value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, str):
        return parse_optional_int(FLAGS[field], value)
    return as_int(field, value)


def as_float(field: str, value: object) -> float:
    if isinstance(value, str):
        return parse_float(FLAGS[field], value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise wrong_type(field, value, "a number")
    if not math.isfinite(value):
        raise wrong_type(field, value, "a finite number")
    return float(value)


def as_optional_percent(field: str, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):
        return parse_percent(FLAGS[field], value)
    return as_float(field, value)


def as_optional_duration(field: str, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):
        return parse_duration(FLAGS[field], value)
    return as_float(field, value)


def as_bool(field: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("true", "yes", "on", "1"):
            return True
        if word in ("false", "no", "off", "0"):
            return False
    raise wrong_type(field, value, "on or off")


def as_names(field: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return parse_name_list(FLAGS[field], value)
    if isinstance(value, tuple | list) and all(isinstance(item, str) for item in value):
        return tuple(str(item) for item in value)
    raise wrong_type(field, value, "a comma-separated list of names")


def as_ints(field: str, value: object) -> tuple[int, ...]:
    if isinstance(value, str):
        return parse_int_list(FLAGS[field], value)
    if isinstance(value, tuple | list):
        return tuple(as_int(field, item) for item in value)
    return (as_int(field, value),)


def as_cpus(value: object) -> CpuRequest:
    if isinstance(value, str):
        return parse_cpus(value)
    if not isinstance(value, CpuRequest):
        raise wrong_type("cpus", value, "role=count items such as app=1,wrk=1")
    for role in CPU_ROLES:
        check_cpu_value(role, value.for_role(role), f"{role}={value.for_role(role):g}")
    return value


# --- validation ---


def check_names(field: str, names: tuple[str, ...], known: Mapping[str, object], kind: str) -> None:
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
    check_unique(field, names)


def check_unique(field: str, values: tuple[object, ...]) -> None:
    seen: set[object] = set()
    for value in values:
        if value in seen:
            raise UsageError(
                f"{FLAGS[field]}: {value!r} is listed twice",
                f"list each value of {FLAGS[field]} once",
            )
        seen.add(value)


def check_min(field: str, value: float, minimum: float, *, strict: bool, hint: str) -> None:
    if value < minimum or (strict and value == minimum):
        bound = f"greater than {minimum:g}" if strict else f"at least {minimum:g}"
        raise UsageError(f"{FLAGS[field]}: {value:g} is too small (must be {bound})", hint)


def check_max(field: str, value: float, maximum: float, *, why: str, hint: str) -> None:
    if value > maximum:
        shown = str(int(value)) if value == int(value) else f"{value:g}"
        raise UsageError(f"{FLAGS[field]}: {shown} is too large (at most {maximum:g}: {why})", hint)


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


def as_env(value: object) -> tuple[tuple[str, str], ...]:
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
