"""The host's drift as summary.json states it (schema 3): its speed round by round.

lab.analysis.drift measures it; this is only its written form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lab.results.jsonfields import NUMBER, JsonObject, is_number, required

DRIFT_KEY = "drift"


@dataclass(frozen=True, slots=True)
class HostDrift:
    """The host's speed per round, relative to the run's mean (1.18: 18% faster); position
    n is round n + 1, null for a round without an ok trial.

    `change` is the last round's speed over the first's, minus 1; `spread` the fastest
    round's over the slowest's, minus 1; `per_minute` the trend of log speed over the
    run's time, as a fraction per minute; `method` how the speeds were fitted.
    """

    rounds: tuple[float | None, ...]
    change: float
    spread: float
    per_minute: float
    method: str

    def by_round(self) -> dict[int, float]:
        """Each round's speed by its number, the rounds without one left out."""
        return {n: speed for n, speed in enumerate(self.rounds, start=1) if speed is not None}

    def to_dict(self) -> JsonObject:
        return {
            "rounds": list(self.rounds),
            "change": self.change,
            "spread": self.spread,
            "per_minute": self.per_minute,
            "method": self.method,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HostDrift:
        return cls(
            rounds=_speeds(data),
            change=required(data, "change", NUMBER, DRIFT_KEY),
            spread=required(data, "spread", NUMBER, DRIFT_KEY),
            per_minute=required(data, "per_minute", NUMBER, DRIFT_KEY),
            method=required(data, "method", str, DRIFT_KEY),
        )


def _speeds(data: Mapping[str, Any]) -> tuple[float | None, ...]:
    values = required(data, "rounds", list, DRIFT_KEY)
    if not all(value is None or is_number(value) for value in values):
        raise ValueError(f"key '{DRIFT_KEY}.rounds' holds something that is not a number or null")
    return tuple(values)
