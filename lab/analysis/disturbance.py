"""Which trials the host disturbed, judged from the evidence each trial recorded.

A role pinned to a CPU loses about one for one whatever CPU time something else takes
there: a server that kept its CPU busy serves about 5% fewer requests when another
process takes 5% of that CPU. THRESHOLD is that 5%: about the trial-to-trial spread of a
quiet cell on these hosts, so a smaller share would not show in the numbers, and a
larger one moves a trial by as much as the noise itself. The run's own background (the
engine's exec and the controller, under 1% in a quiet window) stays well below it.

- foreign (user and system time outside the run's containers) and steal (the hypervisor
  running another guest) are disturbances by definition: a trial is disturbed when
  either reaches THRESHOLD of a placement CPU;
- softirq is mostly the run's own packet work through the bridge, and grows with the
  request rate, so it is judged against the cell's own median: a trial is disturbed when
  its softirq share exceeds the median of its cell's trials by THRESHOLD.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lab.analysis.stats import median
from lab.model.plan import Cell
from lab.results.records import TrialRecord

THRESHOLD = 0.05
RULE = (
    "foreign or steal time >= 5% of a placement CPU, or softirq >= 5 points above the cell's median"
)


@dataclass(frozen=True, slots=True)
class Disturbance:
    """One disturbance of one trial: on which CPU, of which kind, how large."""

    trial: int
    cell: Cell
    cpu: int
    roles: tuple[str, ...]
    kind: str  # "foreign", "softirq" or "steal"
    share: float  # of the window on that CPU
    baseline: float  # what the kind is judged against (the cell's median for softirq, else 0)


def evidence_of(record: TrialRecord) -> list[Mapping[str, Any]] | None:
    """The per-CPU evidence a trial recorded, or None when it has none."""
    host = record.host
    if not host or "cpus" not in host:
        return None
    cpus = host["cpus"]
    return cpus if isinstance(cpus, list) else None


def has_evidence(record: TrialRecord) -> bool:
    return evidence_of(record) is not None


def disturbances(records: Sequence[TrialRecord]) -> dict[int, list[Disturbance]]:
    """The disturbed trials by index, each with every disturbance found in its window
    (one per CPU and kind over the threshold), the largest first (see module doc)."""
    softirq_medians = _softirq_medians(records)
    found: dict[int, list[Disturbance]] = {}
    for record in records:
        for entry in evidence_of(record) or ():
            for kind in ("foreign", "steal", "softirq"):
                share = float(entry[f"{kind}_share"])
                baseline = (
                    softirq_medians.get((record.cell, entry["cpu"]), 0.0)
                    if kind == "softirq"
                    else 0.0
                )
                if share - baseline < THRESHOLD:
                    continue
                found.setdefault(record.index, []).append(
                    Disturbance(
                        record.index,
                        record.cell,
                        int(entry["cpu"]),
                        tuple(entry.get("roles", ())),
                        kind,
                        share,
                        baseline,
                    )
                )
    for listed in found.values():
        listed.sort(key=lambda d: d.share - d.baseline, reverse=True)
    return found


def _softirq_medians(records: Sequence[TrialRecord]) -> dict[tuple[Cell, int], float]:
    shares: dict[tuple[Cell, int], list[float]] = {}
    for record in records:
        for entry in evidence_of(record) or ():
            shares.setdefault((record.cell, int(entry["cpu"])), []).append(
                float(entry["softirq_share"])
            )
    return {key: median(values) for key, values in shares.items()}


@dataclass(frozen=True, slots=True)
class CpuSummary:
    """One placement CPU over a run's windows: each kind's median and largest share."""

    cpu: int
    roles: tuple[str, ...]
    windows: int
    shares: Mapping[str, tuple[float, float]]  # kind -> (median, max)


def host_summary(
    records: Sequence[TrialRecord],
) -> tuple[list[CpuSummary], tuple[float, float] | None]:
    """Per placement CPU, the median and largest share of each kind over the windows with
    evidence; and the controller's (median, max) share of a CPU, None without evidence."""
    per_cpu: dict[int, list[Mapping[str, Any]]] = {}
    controller = []
    for record in records:
        cpus = evidence_of(record)
        if cpus is None:
            continue
        assert record.host is not None
        controller.append(float(record.host.get("controller_share", 0.0)))
        for entry in cpus:
            per_cpu.setdefault(int(entry["cpu"]), []).append(entry)
    summaries = []
    for cpu, entries in sorted(per_cpu.items()):
        shares = {}
        for kind in ("foreign", "softirq", "steal"):
            values = [float(entry[f"{kind}_share"]) for entry in entries]
            shares[kind] = (median(values), max(values))
        roles = tuple(entries[0].get("roles", ()))
        summaries.append(CpuSummary(cpu, roles, len(entries), shares))
    return summaries, (median(controller), max(controller)) if controller else None
