"""Hash-locked requirement files: what they pin, and whether an image holds exactly that.

The lock files are pip's `--require-hashes` format, written by `make lock`:
    name==1.2.3 ; marker \\
        --hash=sha256:...
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lab.model.versions import normalize

__all__ = [
    "LockError",
    "Pin",
    "freeze_differences",
    "locked_versions",
    "normalize",
    "parse_freeze",
    "parse_lock",
]

_REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")
_HASH = re.compile(r"--hash=sha256:([0-9a-f]{64})")


@dataclass(frozen=True, slots=True)
class Pin:
    name: str
    version: str
    hashes: tuple[str, ...]


class LockError(ValueError):
    """A lock file that pip would refuse under --require-hashes."""


def parse_lock(text: str) -> tuple[Pin, ...]:
    """Every pin of a lock, in file order; each must carry at least one sha256 hash."""
    pins: list[Pin] = []
    for entry in _logical_lines(text):
        match = _REQUIREMENT.match(entry)
        if match is None:
            raise LockError(f"not an exact pin (name==version): {entry[:80]!r}")
        hashes = tuple(_HASH.findall(entry))
        if not hashes:
            raise LockError(f"{match.group(1)}=={match.group(2)} has no --hash")
        pins.append(Pin(normalize(match.group(1)), match.group(2), hashes))
    return tuple(pins)


def locked_versions(packages: tuple[str, ...], text: str) -> str:
    """`fastapi==0.1, uvicorn==0.2`: the versions a lock pins for `packages` it holds."""
    pins = {pin.name: pin.version for pin in parse_lock(text)}
    return ", ".join(
        f"{name}=={pins[normalize(name)]}" for name in packages if normalize(name) in pins
    )


def parse_freeze(text: str) -> dict[str, str]:
    """`pip freeze` output as {normalised name: version}."""
    versions: dict[str, str] = {}
    for line in text.splitlines():
        match = _REQUIREMENT.match(line.strip())
        if match:
            versions[normalize(match.group(1))] = match.group(2)
    return versions


def freeze_differences(lock: tuple[Pin, ...], frozen: dict[str, str]) -> list[str]:
    """How an installed set differs from its lock; empty when they are the same."""
    locked = {pin.name: pin.version for pin in lock}
    problems = [
        f"{name}: locked {version}, installed {frozen.get(name, 'nothing')}"
        for name, version in sorted(locked.items())
        if frozen.get(name) != version
    ]
    problems += [
        f"{name}=={version} installed but not in the lock"
        for name, version in sorted(frozen.items())
        if name not in locked
    ]
    return problems


def _logical_lines(text: str) -> list[str]:
    """Join backslash continuations and drop comments and blank lines."""
    entries: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        if current.strip():
            entries.append(current.strip())
        current = ""
    if current.strip():
        entries.append(current.strip())
    return entries
