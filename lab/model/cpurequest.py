"""CPUs asked for per container, and the `--cpus app=1,wrk=0.5` syntax that asks."""

from __future__ import annotations

import math
from dataclasses import dataclass

from lab.errors import UsageError

CPU_ROLES: tuple[str, ...] = ("app", "wrk", "redis")
# Docker refuses a CFS quota below a hundredth of a CPU.
MIN_CPUS = 0.01
_CPUS_EXAMPLE = "--cpus app=1,wrk=1,redis=1"


@dataclass(frozen=True, slots=True)
class CpuRequest:
    """CPUs asked for per container; a fractional value becomes a CFS quota."""

    app: float = 1.0
    wrk: float = 1.0
    redis: float = 1.0

    def for_role(self, role: str) -> float:
        if role == "app":
            return self.app
        if role == "wrk":
            return self.wrk
        if role == "redis":
            return self.redis
        raise KeyError(role)

    def to_text(self) -> str:
        """The request in --cpus syntax, e.g. "app=1,wrk=0.5,redis=1"."""
        return ",".join(f"{role}={self.for_role(role):g}" for role in CPU_ROLES)

    def to_dict(self) -> dict[str, float]:
        return {role: self.for_role(role) for role in CPU_ROLES}


def parse_cpus(text: str) -> CpuRequest:
    """--cpus text such as "app=1,wrk=0.5"; roles not named keep their default of 1."""
    if not text.strip():
        raise UsageError("--cpus: empty value", f"give e.g. {_CPUS_EXAMPLE}")
    values: dict[str, float] = {}
    for raw in text.split(","):
        part = raw.strip()
        if not part:
            raise UsageError(
                f"--cpus: {text!r} has an empty item",
                f"separate items with single commas: {_CPUS_EXAMPLE}",
            )
        key, sep, number = (piece.strip() for piece in part.partition("="))
        if not sep:
            raise UsageError(
                f"--cpus: {part!r} has no '='", f"write role=count, e.g. {_CPUS_EXAMPLE}"
            )
        if key not in CPU_ROLES:
            raise UsageError(
                f"--cpus: {part!r} has unknown key {key!r} (use app, wrk, redis)",
                f"name only app, wrk and redis, e.g. {_CPUS_EXAMPLE}",
            )
        if key in values:
            raise UsageError(
                f"--cpus: {part!r} repeats key {key!r}", "give each of app, wrk, redis at most once"
            )
        try:
            value = float(number)
        except ValueError:
            raise UsageError(
                f"--cpus: {part!r} has {number!r}, which is not a number",
                f"give a CPU count such as 1 or 0.5, e.g. {_CPUS_EXAMPLE}",
            ) from None
        check_cpu_value(key, value, part)
        values[key] = value
    return CpuRequest(**values)


def check_cpu_value(role: str, value: float, shown: str) -> None:
    if not math.isfinite(value) or value <= 0:
        raise UsageError(
            f"--cpus: {shown!r} is not a positive CPU count",
            f"give {role} a positive count such as 1 or 0.5",
        )
    if value < MIN_CPUS:
        raise UsageError(
            f"--cpus: {shown!r} is below Docker's smallest quota of {MIN_CPUS} CPU",
            f"give {role} at least {MIN_CPUS}",
        )
