"""One figure of the cost of serving, compared between two runs, as `lab compare --json`
writes it under `cost`: the medians of A and B, B/A, and whether it was judged.

A figure is judged, as req/s is, by Welch's t on the log of each trial's value with Holm's
adjustment over every cost figure compared, only where both runs have enough trials that
measured it; otherwise it is shown with its change and `verdict` "not judged", with the
reason (a run from before the lab measured the cost: "no cost recorded in A").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

from lab.results.intervaldoc import StatedInterval, stated_interval
from lab.results.jsonfields import NUMBER, JsonObject, choice, optional, required

CostVerdict = Literal["higher", "lower", "no difference", "not judged"]
COST_VERDICTS: tuple[CostVerdict, ...] = get_args(CostVerdict)


@dataclass(frozen=True, slots=True)
class CostChange:
    """A cell's cost figure in A and in B (medians) and B/A: of geometric means with its
    interval where judged, of medians where not."""

    app: str
    scenario: str
    connections: int
    figure: str  # a name of lab.results.costdoc.FIGURES
    median_a: float | None
    median_b: float | None
    ratio: float | None
    verdict: CostVerdict
    ci: StatedInterval | None = None
    p_adjusted: float | None = None
    reason: str | None = None  # why it was not judged

    @property
    def name(self) -> str:
        return f"{self.app} {self.scenario} @{self.connections}"

    @property
    def change_pct(self) -> float | None:
        return None if self.ratio is None else (self.ratio - 1) * 100

    def to_dict(self) -> JsonObject:
        return {
            "app": self.app,
            "scenario": self.scenario,
            "connections": self.connections,
            "figure": self.figure,
            "median_a": self.median_a,
            "median_b": self.median_b,
            "ratio": self.ratio,
            "change_pct": self.change_pct,
            "ci": None if self.ci is None else self.ci.to_dict(),
            "p_adjusted": self.p_adjusted,
            "verdict": self.verdict,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "") -> CostChange:
        verdict = choice(data, "verdict", COST_VERDICTS, where)
        return cls(
            app=required(data, "app", str, where),
            scenario=required(data, "scenario", str, where),
            connections=required(data, "connections", int, where),
            figure=required(data, "figure", str, where),
            median_a=optional(data, "median_a", NUMBER, where),
            median_b=optional(data, "median_b", NUMBER, where),
            ratio=optional(data, "ratio", NUMBER, where),
            verdict=verdict,
            ci=stated_interval(data, "ci", where),
            p_adjusted=optional(data, "p_adjusted", NUMBER, where),
            reason=optional(data, "reason", str, where),
        )
