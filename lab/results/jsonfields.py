"""Reading typed fields out of a JSON object, for every format's `from_dict`.

Each getter raises ValueError naming the key by its path in the file
(`cells[1].rps_median`) and the bad value; the reader turns that into a UsageError
naming the file. Numbers are returned as written, never converted: an int read back is
written back as an int, so a file read and written again keeps every byte.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeVar

from lab.results.schema import UnsupportedVersion

JsonObject = dict[str, Any]
Kind = type | tuple[type, ...]
NUMBER = (int, float)


class _Absent(enum.Enum):
    """A key that a file does not hold, where null is a value in its own right."""

    ABSENT = "absent"

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Literal[_Absent.ABSENT] = _Absent.ABSENT
Absent = Literal[_Absent.ABSENT]


Word = TypeVar("Word", bound=str)  # one of a closed set of words (a Literal's)


def key_path(where: str, key: str) -> str:
    """The key as a reader finds it in the file: `key`, `trials.ok`, `cells[1].rps`."""
    return f"{where}.{key}" if where else key


def required(
    data: Mapping[str, Any], key: str, kind: Kind, where: str = "", *, null: bool = False
) -> Any:
    """`data[key]`, which must be there, of `kind` (a bool is never a number);
    with `null`, the key must be there but may hold null (returned as None)."""
    if key not in data:
        raise ValueError(f"missing key {key_path(where, key)!r}")
    value = data[key]
    if value is None and null:
        return None
    if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
        raise ValueError(f"key {key_path(where, key)!r} has the wrong type: {value!r:.60}")
    return value


def choice(data: Mapping[str, Any], key: str, allowed: Sequence[Word], where: str = "") -> Word:
    """`data[key]`, a string that must be one of `allowed` (a verdict, a status)."""
    value = required(data, key, str, where)
    for word in allowed:
        if value == word:
            return word
    raise ValueError(f"key {key_path(where, key)!r} is not one of {tuple(allowed)}: {value!r}")


def optional(data: Mapping[str, Any], key: str, kind: Kind, where: str = "") -> Any:
    """`data[key]` of `kind`, or None when the key is missing or null."""
    if data.get(key) is None:
        return None
    return required(data, key, kind, where)


def nullable(data: Mapping[str, Any], key: str, kind: Kind, where: str = "") -> Any:
    """Like `optional`, but a missing key is ABSENT, apart from null."""
    if key not in data:
        return ABSENT
    return optional(data, key, kind, where)


def version(data: Mapping[str, Any], supported: int) -> int:
    """The file's schema_version, refused unless it is the one this lab reads."""
    found = required(data, "schema_version", int)
    if found != supported:
        raise UnsupportedVersion(f"schema_version {found}, this lab reads {supported}")
    return supported


def one_of_versions(data: Mapping[str, Any], supported: tuple[int, ...]) -> int:
    """The file's schema_version, refused unless this lab reads it (all of `supported`)."""
    found = required(data, "schema_version", int)
    if found not in supported:
        known = ", ".join(map(str, supported))
        raise UnsupportedVersion(f"schema_version {found}, this lab reads {known}")
    return int(found)


def strings(data: Mapping[str, Any], key: str, where: str = "") -> tuple[str, ...] | None:
    """A list of strings as a tuple; None when the key is missing or null."""
    items = optional(data, key, list, where)
    if items is None:
        return None
    if not all(isinstance(item, str) for item in items):
        raise ValueError(f"key {key_path(where, key)!r} holds something that is not a string")
    return tuple(items)


def numbers(data: Mapping[str, Any], key: str, where: str = "") -> tuple[float, ...]:
    items = required(data, key, list, where)
    if not all(is_number(item) for item in items):
        raise ValueError(f"key {key_path(where, key)!r} holds something that is not a number")
    return tuple(items)


def numbers_by_name(data: Mapping[str, Any], key: str, where: str = "") -> JsonObject | None:
    """An object of numbers (or nulls) by name, such as a cell's latency_us; None when absent."""
    named = optional(data, key, dict, where)
    if named is None:
        return None
    for name, value in named.items():
        if value is not None and not is_number(value):
            raise ValueError(
                f"key {key_path(key_path(where, key), name)!r} is not a number: {value!r:.60}"
            )
    return dict(named)


def interval(data: Mapping[str, Any], key: str, where: str = "") -> tuple[float, float] | None:
    """A [low, high] pair as a tuple; None when the key is missing or null."""
    pair = optional(data, key, list, where)
    if pair is None:
        return None
    if len(pair) != 2 or not all(is_number(value) for value in pair):
        raise ValueError(f"key {key_path(where, key)!r} is not a pair of numbers: {pair!r:.60}")
    return (pair[0], pair[1])


def objects(data: Mapping[str, Any], key: str, where: str = "") -> list[Mapping[str, Any]]:
    """Each object of the list `data[key]` (an empty list when the key is missing or null)."""
    items = optional(data, key, list, where) or []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            raise ValueError(f"key '{key_path(where, key)}[{n}]' is not an object")
    return items


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def pair_or_none(pair: tuple[float, float] | None) -> list[float] | None:
    return None if pair is None else list(pair)
