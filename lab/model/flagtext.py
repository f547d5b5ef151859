"""Flag text to values: our one-line errors, naming the flag, instead of argparse's."""

from __future__ import annotations

import math
import re

from lab.errors import UsageError


def _split(flag: str, text: str, kind: str) -> list[str]:
    if not text.strip():
        raise UsageError(f"{flag}: empty list", f"give one or more {kind}, separated by commas")
    items = [item.strip() for item in text.split(",")]
    if any(not item for item in items):
        raise UsageError(
            f"{flag}: {text!r} has an empty item",
            f"separate {kind} with single commas, no trailing comma",
        )
    return items


def parse_name_list(flag: str, text: str) -> tuple[str, ...]:
    """A comma-separated list of names, e.g. "flask, aio" -> ("flask", "aio")."""
    return tuple(_split(flag, text, "names"))


def parse_int(flag: str, text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise UsageError(
            f"{flag}: {text!r} is not a whole number", f"give {flag} a whole number, e.g. 8"
        ) from None


def parse_int_list(flag: str, text: str) -> tuple[int, ...]:
    """A comma-separated list of whole numbers, e.g. "64,200" -> (64, 200)."""
    values: list[int] = []
    for item in _split(flag, text, "whole numbers"):
        try:
            values.append(int(item))
        except ValueError:
            raise UsageError(
                f"{flag}: {item!r} in {text!r} is not a whole number",
                f"give {flag} whole numbers separated by commas, e.g. 64,200",
            ) from None
    return tuple(values)


def parse_float(flag: str, text: str, example: str = "a number of seconds, e.g. 8") -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise UsageError(f"{flag}: {text!r} is not a number", f"give {flag} {example}") from None
    if not math.isfinite(value):
        raise UsageError(f"{flag}: {text!r} is not a finite number", f"give {flag} e.g. 8")
    return value


_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?")


def parse_duration(flag: str, text: str) -> float:
    """Seconds from "90", "90s", "6m", "1h30m" or "6m30s"."""
    match = _DURATION.fullmatch(text.strip().lower())
    if not text.strip() or match is None or not any(match.groups()):
        raise UsageError(
            f"{flag}: {text!r} is not a duration",
            f"give {flag} seconds or a duration such as 90s, 6m or 1h30m",
        )
    hours, minutes, seconds = (float(group or 0) for group in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def parse_percent(flag: str, text: str) -> float:
    """A percentage, "10" or "10%"."""
    return parse_float(flag, text.strip().removesuffix("%"), "a percentage, e.g. 10")


def parse_optional_int(flag: str, text: str) -> int | None:
    """A whole number, or "auto" for the value derived from the CPU placement."""
    if text.strip().lower() == "auto":
        return None
    return parse_int(flag, text)
