"""A flag's value, typed or still text, converted and checked; every error names the flag.

A value reaches the configuration typed already (a preset, a test), as flag text (the
CLI's options) or as run.json recorded it (lists, mappings), so each converter takes all.
lab.model.fields says which converter and which checks each RunConfig field gets.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping

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
from lab.model.limits import MAX_CONNECTIONS, MAX_TRIAL_S, MAX_WORKERS
from lab.model.openload import RateSpec, StallSpec, parse_rates, parse_stall
from lab.model.scenarios import GROUPS, SCENARIOS
from lab.model.topology import EngineTarget, as_engines

# (flag, value) -> the value typed and checked alone, or a UsageError naming the flag.
Reader = Callable[[str, object], object]
# The lab sets these itself from its own flags; --app-env must not contradict them.
RESERVED_APP_ENV = ("WORKERS", "WORKER_CLASS", "ACCESS_LOG", "REDIS_URL", "BIND")


def wrong_type(flag: str, value: object, wanted: str) -> UsageError:
    return UsageError(f"{flag}: {value!r} is not {wanted}", f"give {flag} {wanted}")


def as_int(flag: str, value: object) -> int:
    if isinstance(value, str):
        return parse_int(flag, value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise wrong_type(flag, value, "a whole number")
    return value


def as_optional_int(flag: str, value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, str):
        return parse_optional_int(flag, value)
    return as_int(flag, value)


def as_float(flag: str, value: object) -> float:
    if isinstance(value, str):
        return parse_float(flag, value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise wrong_type(flag, value, "a number")
    if not math.isfinite(value):
        raise wrong_type(flag, value, "a finite number")
    return float(value)


def as_optional_percent(flag: str, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):
        return parse_percent(flag, value)
    return as_float(flag, value)


def as_optional_duration(flag: str, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):
        return parse_duration(flag, value)
    return as_float(flag, value)


def as_bool(flag: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("true", "yes", "on", "1"):
            return True
        if word in ("false", "no", "off", "0"):
            return False
    raise wrong_type(flag, value, "on or off")


def as_names(flag: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return parse_name_list(flag, value)
    if isinstance(value, tuple | list) and all(isinstance(item, str) for item in value):
        return tuple(str(item) for item in value)
    raise wrong_type(flag, value, "a comma-separated list of names")


def as_ints(flag: str, value: object) -> tuple[int, ...]:
    if isinstance(value, str):
        return parse_int_list(flag, value)
    if isinstance(value, tuple | list):
        return tuple(as_int(flag, item) for item in value)
    return (as_int(flag, value),)


def as_cpus(flag: str, value: object) -> CpuRequest:
    if isinstance(value, Mapping):  # run.json's {"app": 1.0, ...}
        value = ",".join(f"{role}={count}" for role, count in value.items())
    if isinstance(value, str):
        return parse_cpus(value)
    if not isinstance(value, CpuRequest):
        raise wrong_type(flag, value, "role=count items such as app=1,wrk=1")
    for role in CPU_ROLES:
        check_cpu_value(role, value.for_role(role), f"{role}={value.for_role(role):g}")
    return value


# --- validation ---


def check_names(flag: str, names: tuple[str, ...], known: Mapping[str, object], kind: str) -> None:
    known_text = ", ".join(known)
    if not names:
        raise UsageError(f"{flag}: empty list", f"give one or more of: {known_text}")
    for name in names:
        if name not in known:
            raise UsageError(
                f"{flag}: unknown {kind} {name!r} (known: {known_text})",
                f"pick {kind}s from: {known_text}",
            )
    check_unique(flag, names)


def check_unique(flag: str, values: tuple[object, ...]) -> None:
    seen: set[object] = set()
    for value in values:
        if value in seen:
            raise UsageError(
                f"{flag}: {value!r} is listed twice",
                f"list each value of {flag} once",
            )
        seen.add(value)


def check_min(flag: str, value: float, minimum: float, *, strict: bool, hint: str) -> None:
    if value < minimum or (strict and value == minimum):
        bound = f"greater than {minimum:g}" if strict else f"at least {minimum:g}"
        raise UsageError(f"{flag}: {value:g} is too small (must be {bound})", hint)


def check_max(flag: str, value: float, maximum: float, *, why: str, hint: str) -> None:
    if value > maximum:
        shown = str(int(value)) if value == int(value) else f"{value:g}"
        raise UsageError(f"{flag}: {shown} is too large (at most {maximum:g}: {why})", hint)


def parse_app_env(flag: str, text: str) -> tuple[str, str]:
    """`KEY=VALUE` for --app-env."""
    key, sep, value = text.partition("=")
    if not sep or not re.fullmatch(r"[A-Z_][A-Z0-9_]*", key):
        raise UsageError(
            f"{flag}: {text!r} is not KEY=VALUE with an upper-case KEY",
            f"give e.g. {flag} REDIS_MAX_CONNECTIONS=128",
        )
    if key in RESERVED_APP_ENV:
        raise UsageError(
            f"{flag}: {key} is set by the lab itself",
            "use --workers, --apps or --access-log instead",
        )
    return key, value


def _env_text(flag: str, item: object) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, tuple | list) and len(item) == 2:
        return f"{item[0]}={item[1]}"
    raise UsageError(f"{flag}: {item!r} is not KEY=VALUE", "give e.g. REDIS_MAX_CONNECTIONS=128")


def as_env(flag: str, value: object) -> tuple[tuple[str, str], ...]:
    if isinstance(value, Mapping):  # run.json's {"KEY": "VALUE", ...}
        value = tuple(value.items())
    if not isinstance(value, tuple | list):
        raise UsageError(f"{flag}: {value!r} is not a list of KEY=VALUE", "")
    pairs = [parse_app_env(flag, _env_text(flag, item)) for item in value]
    keys = [pair[0] for pair in pairs]
    duplicated = sorted({key for key in keys if keys.count(key) > 1})
    if duplicated:
        raise UsageError(f"{flag}: {duplicated[0]} given more than once", "give each variable once")
    return tuple((str(k), str(v)) for k, v in pairs)


# --- a field's value, read and checked on its own (lab.model.fields says whose) ---


def one_of(kind: str, choices: tuple[str, ...]) -> Reader:
    def read(flag: str, value: object) -> str:
        if value not in choices:
            raise UsageError(
                f"{flag}: unknown {kind} {value!r}", f"give {flag} one of: {', '.join(choices)}"
            )
        return str(value)

    return read


def braced(choices: tuple[str, ...]) -> str:
    return "{" + ",".join(choices) + "}"


def as_scenarios(flag: str, value: object) -> tuple[str, ...]:
    """The scenarios named, a group (`all`, `upload`) standing for its members in place.
    Whether each is known waits for the catalog, which holds the app folders' own
    (lab.model.config.build_config)."""
    names = tuple(member for name in as_names(flag, value) for member in GROUPS.get(name, (name,)))
    if not names:
        raise UsageError(f"{flag}: empty list", f"give one or more of: {', '.join(SCENARIOS)}")
    check_unique(flag, names)
    return names


def as_connections(flag: str, value: object) -> tuple[int, ...]:
    levels = as_ints(flag, value)
    if not levels:
        raise UsageError(f"{flag}: empty list", "give one or more levels, e.g. 64,200")
    for level in levels:
        check_min(flag, level, 1, strict=False, hint="give each level at least 1 connection")
        check_max(
            flag,
            level,
            MAX_CONNECTIONS,
            why="one wrk's ports and one gunicorn worker's connections",
            hint=f"give each level at most {MAX_CONNECTIONS:,}, e.g. {flag} 64,200,1000",
        )
    check_unique(flag, levels)
    return levels


def at_least(minimum: int) -> Reader:
    def read(flag: str, value: object) -> int:
        count = as_int(flag, value)
        hint = f"give {flag} at least {minimum}" if minimum else f"give {flag} 0 or more"
        check_min(flag, count, minimum, strict=False, hint=hint)
        return count

    return read


def as_auto_count(flag: str, value: object) -> int | None:
    """A count of at least 1, or None for auto (the lab derives it from the placement)."""
    count = as_optional_int(flag, value)
    if count is not None:
        check_min(flag, count, 1, strict=False, hint=f"give {flag} at least 1, or auto")
    return count


def as_workers(flag: str, value: object) -> int | None:
    workers = as_auto_count(flag, value)
    if workers is not None:
        check_max(
            flag,
            workers,
            MAX_WORKERS,
            why="the app container's 1 GiB and 512 processes",
            hint=f"give {flag} at most {MAX_WORKERS}, or auto (one per app CPU)",
        )
    return workers


def as_seconds(example: int | None) -> Callable[[str, object], float]:
    """Seconds above 0 (`example` shows one), or 0 and more when `example` is None."""

    def read(flag: str, value: object) -> float:
        seconds = as_float(flag, value)
        if example is None:
            check_min(flag, seconds, 0, strict=False, hint=f"give {flag} 0 or more seconds")
        else:
            hint = f"give {flag} seconds above 0, e.g. {example}"
            check_min(flag, seconds, 0, strict=True, hint=hint)
        return seconds

    return read


def as_wrk_seconds(example: int | None) -> Callable[[str, object], float]:
    """Seconds wrk is given: at most an hour, and whole, since wrk reads -d and --timeout as
    whole seconds (a fraction would silently not run)."""
    read_seconds = as_seconds(example)

    def read(flag: str, value: object) -> float:
        seconds = read_seconds(flag, value)
        check_max(
            flag,
            seconds,
            MAX_TRIAL_S,
            why="an hour measures the host's drift; repeat shorter trials instead",
            hint=f"give {flag} at most {MAX_TRIAL_S} seconds, and more --repetitions",
        )
        if seconds != int(seconds):
            raise UsageError(
                f"{flag} {seconds:g}: wrk runs whole seconds",
                f"give {flag} a whole number of seconds, e.g. {max(1, round(seconds))}",
            )
        return seconds

    return read


def as_milliseconds(flag: str, value: object) -> float:
    milliseconds = as_float(flag, value)
    hint = f"give {flag} milliseconds above 0, e.g. 100"
    check_min(flag, milliseconds, 0, strict=True, hint=hint)
    return milliseconds


def as_directory(flag: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise UsageError(
            f"{flag}: {value!r} is not a directory name", f"give {flag} a directory, e.g. results"
        )
    return value


def as_rates(flag: str, value: object) -> tuple[RateSpec, ...]:
    if isinstance(value, tuple | list) and all(isinstance(rate, RateSpec) for rate in value):
        return tuple(value)
    if isinstance(value, str):
        return parse_rates(value)
    if isinstance(value, tuple | list):
        return parse_rates(tuple(map(str, value)))
    raise UsageError(f"{flag}: {value!r} is not a list of rates", f"e.g. {flag} 10%,50%")


def as_stall(flag: str, value: object) -> StallSpec | None:
    stall = parse_stall(value) if isinstance(value, str) else value
    if stall is not None and not isinstance(stall, StallSpec):
        raise UsageError(f"{flag}: {value!r} is not PAUSE/PERIOD", "e.g. 500ms/5s")
    return stall


def as_engine_targets(_flag: str, value: object) -> tuple[EngineTarget, ...]:
    return as_engines(value)
