"""A cell's cost of serving as summary.json (version 4) writes it: CPU per request, requests
per CPU second, and the app container's memory.

Each figure is the median of the ok trials that measured it, with the order-statistic
interval where there are two or more (as req/s has), and every trial's value beside it so
that a reader can recompute it. What the figures mean and how they are read:
lab.analysis.cost and lab.measure.memory.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lab.results.intervaldoc import StatedInterval, stated_interval
from lab.results.jsonfields import NUMBER, JsonObject, key_path, numbers, optional, required

# The figures in the order a cell's `cost` object writes them.
FIGURES = (
    "cpu_ms_per_request",
    "requests_per_cpu_s",
    "memory_peak_mib",
    "memory_end_mib",
    "memory_anon_mib",
    "worker_mib",
    "parent_mib",
)


@dataclass(frozen=True, slots=True)
class CostFigure:
    """One figure of a cell: its median over the trials, their interval and values."""

    median: float
    ci: StatedInterval | None  # None for a single trial
    trials: tuple[float, ...]  # each trial's value, in trial order

    def to_dict(self) -> JsonObject:
        return {
            "median": self.median,
            "ci": None if self.ci is None else self.ci.to_dict(),
            "trials": list(self.trials),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> CostFigure:
        return cls(
            median=required(data, "median", NUMBER, where),
            ci=stated_interval(data, "ci", where),
            trials=numbers(data, "trials", where),
        )


@dataclass(frozen=True, slots=True)
class CellCost:
    """A cell's cost; a figure is None when no ok trial measured it."""

    figures: Mapping[str, CostFigure | None] = field(hash=False)  # by FIGURES' names
    workers: float | None = None  # the median trial's number of worker processes
    # Why no ok trial has the app's memory (the first trial's reason); None when one has.
    memory_unavailable: str | None = None

    def figure(self, name: str) -> CostFigure | None:
        return self.figures.get(name)

    def median(self, name: str) -> float | None:
        figure = self.figures.get(name)
        return None if figure is None else figure.median

    def to_dict(self) -> JsonObject:
        data: JsonObject = {}
        for name in FIGURES:
            figure = self.figures.get(name)
            data[name] = None if figure is None else figure.to_dict()
        data["workers"] = self.workers
        data["memory_unavailable"] = self.memory_unavailable
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> CellCost:
        figures = {}
        for name in FIGURES:
            found = optional(data, name, dict, where)
            figures[name] = (
                None if found is None else CostFigure.from_dict(found, key_path(where, name))
            )
        return cls(
            figures=figures,
            workers=optional(data, "workers", NUMBER, where),
            memory_unavailable=optional(data, "memory_unavailable", str, where),
        )
