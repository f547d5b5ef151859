"""An interval as the lab's files state it: its ends, the confidence it achieves, its method.

The level is the one the method achieves with the trials it had (an order-statistic
interval of a median over 5 trials is 93.75%, not 95%), so a file never claims more than
its data give. lab.analysis.intervals computes them; this is only their written form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lab.results.jsonfields import NUMBER, JsonObject, key_path, required

# How files written before intervals stated their level are read: their "ci95" was a
# percentile bootstrap, and 95% was its claim, not its achieved coverage.
LEGACY_METHOD = "percentile bootstrap (level as claimed by an earlier lab)"
LEGACY_LEVEL = 0.95


@dataclass(frozen=True, slots=True)
class StatedInterval:
    low: float
    high: float
    level: float  # the achieved confidence, 0..1
    method: str

    @property
    def pair(self) -> tuple[float, float]:
        return (self.low, self.high)

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def half_width_pct(self, estimate: float) -> float:
        """Half the interval's width, as a percentage of `estimate`."""
        return (self.high - self.low) / 2 / estimate * 100

    def to_dict(self) -> JsonObject:
        return {"low": self.low, "high": self.high, "level": self.level, "method": self.method}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> StatedInterval:
        level = required(data, "level", NUMBER, where)
        if not 0 <= level <= 1:
            raise ValueError(f"key {key_path(where, 'level')!r} is not between 0 and 1: {level!r}")
        return cls(
            low=required(data, "low", NUMBER, where),
            high=required(data, "high", NUMBER, where),
            level=level,
            method=required(data, "method", str, where),
        )

    @classmethod
    def legacy(cls, pair: tuple[float, float] | None) -> StatedInterval | None:
        """A "ci95" pair of an earlier file."""
        return None if pair is None else cls(pair[0], pair[1], LEGACY_LEVEL, LEGACY_METHOD)


def stated_interval(data: Mapping[str, Any], key: str, where: str = "") -> StatedInterval | None:
    """The interval object at `data[key]`; None when missing or null."""
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError(f"key {key_path(where, key)!r} is not an interval object: {value!r:.60}")
    return StatedInterval.from_dict(value, key_path(where, key))
