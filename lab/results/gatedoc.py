"""gate.json as types: a gate's verdict per level, the repeated intervals behind them, and
the host's evidence. lab.analysis.gate makes them; `lab gate` and `lab run --gate` write
them beside summary.json (and gate.md, lab.report.gatetext).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lab.results.jsonfields import JsonObject
from lab.results.schema import GATE_KIND, GATE_SCHEMA_VERSION, UnsupportedVersion


@dataclass(frozen=True, slots=True)
class LevelVerdictDoc:
    """One level's verdict: HEAD/BASE with its repeated interval at the look it used."""

    scenario: str
    connections: int
    verdict: str
    ratio: float | None
    low: float | None
    high: float | None
    level: float  # the look's confidence; all looks together hold 1 - alpha
    pairs: int
    look: int
    disturbed_rounds: tuple[int, ...]
    reason: str

    def to_dict(self) -> JsonObject:
        return {
            "scenario": self.scenario,
            "connections": self.connections,
            "verdict": self.verdict,
            "ratio": self.ratio,
            "ci": None if self.low is None else [self.low, self.high],
            "level": self.level,
            "pairs": self.pairs,
            "look": self.look,
            "disturbed_rounds": list(self.disturbed_rounds),
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LevelVerdictDoc:
        ci = data.get("ci")
        return cls(
            scenario=str(data["scenario"]),
            connections=int(data["connections"]),
            verdict=str(data["verdict"]),
            ratio=data.get("ratio"),
            low=None if ci is None else float(ci[0]),
            high=None if ci is None else float(ci[1]),
            level=float(data["level"]),
            pairs=int(data["pairs"]),
            look=int(data["look"]),
            disturbed_rounds=tuple(int(n) for n in data.get("disturbed_rounds", [])),
            reason=str(data.get("reason", "")),
        )


@dataclass(frozen=True, slots=True)
class GateDoc:
    """A gate: BASE and HEAD, the threshold, the looks, why it stopped, and the verdicts.

    `outcome` is the gate's one word: `regressed` if any level regressed, else
    `inconclusive` if any level is undecided, else `pass`. `host_moved` is the run's
    fastest round over its slowest, minus 1 (None without two rounds of evidence).
    """

    run_id: str
    base: str
    head: str
    threshold_pct: float
    alpha: float
    method: str
    looks: tuple[int, ...]
    rounds: int
    stopped_by: str
    outcome: str
    verdicts: tuple[LevelVerdictDoc, ...]
    host_moved: float | None
    reproduce: str

    def to_dict(self) -> JsonObject:
        return {
            "kind": GATE_KIND,
            "schema_version": GATE_SCHEMA_VERSION,
            "run_id": self.run_id,
            "base": self.base,
            "head": self.head,
            "threshold_pct": self.threshold_pct,
            "alpha": self.alpha,
            "method": self.method,
            "looks": list(self.looks),
            "rounds": self.rounds,
            "stopped_by": self.stopped_by,
            "outcome": self.outcome,
            "verdicts": [verdict.to_dict() for verdict in self.verdicts],
            "host_moved": self.host_moved,
            "reproduce": self.reproduce,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GateDoc:
        if data.get("kind") != GATE_KIND or data.get("schema_version") != GATE_SCHEMA_VERSION:
            raise UnsupportedVersion(
                f"not a gate.json this lab reads (kind {data.get('kind')!r},"
                f" schema_version {data.get('schema_version')!r})"
            )
        return cls(
            run_id=str(data["run_id"]),
            base=str(data["base"]),
            head=str(data["head"]),
            threshold_pct=float(data["threshold_pct"]),
            alpha=float(data["alpha"]),
            method=str(data["method"]),
            looks=tuple(int(n) for n in data["looks"]),
            rounds=int(data["rounds"]),
            stopped_by=str(data["stopped_by"]),
            outcome=str(data["outcome"]),
            verdicts=tuple(LevelVerdictDoc.from_dict(v) for v in data["verdicts"]),
            host_moved=data.get("host_moved"),
            reproduce=str(data["reproduce"]),
        )
