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
from lab.measure.hostcpu import KINDS
from lab.model.cell import Cell
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


def disturbances(records: Sequence[TrialRecord]) -> dict[int, list[Disturbance]]:
    """The disturbed trials by index, each with every disturbance found in its window
    (one per CPU and kind over the threshold), the largest first (see module doc)."""
    softirq_medians = _softirq_medians(records)
    found: dict[int, list[Disturbance]] = {}
    for record in records:
        for cpu in record.host.cpus if record.host else ():
            for kind in KINDS:
                baseline = softirq_medians[record.cell, cpu.cpu] if kind == "softirq" else 0.0
                if cpu.share(kind) - baseline >= THRESHOLD:
                    found.setdefault(record.index, []).append(
                        Disturbance(
                            record.index,
                            record.cell,
                            cpu.cpu,
                            cpu.roles,
                            kind,
                            cpu.share(kind),
                            baseline,
                        )
                    )
    for listed in found.values():
        listed.sort(key=lambda d: d.share - d.baseline, reverse=True)
    return found


def _softirq_medians(records: Sequence[TrialRecord]) -> dict[tuple[Cell, int], float]:
    return {
        key: median(shares) for key, shares in _shares(records, "softirq", by_cell=True).items()
    }


def _shares(records: Sequence[TrialRecord], kind: str, by_cell: bool) -> dict[Any, list[float]]:
    """Each placement CPU's `kind` shares over the windows with evidence, keyed by CPU or
    by (cell, CPU)."""
    shares: dict[Any, list[float]] = {}
    for record in records:
        for cpu in record.host.cpus if record.host else ():
            key = (record.cell, cpu.cpu) if by_cell else cpu.cpu
            shares.setdefault(key, []).append(cpu.share(kind))
    return shares


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
    controller = [record.host.controller_share for record in records if record.host]
    if not controller:
        return [], None
    roles = {cpu.cpu: cpu.roles for record in records if record.host for cpu in record.host.cpus}
    by_kind = {kind: _shares(records, kind, by_cell=False) for kind in KINDS}
    summaries = [
        CpuSummary(
            cpu,
            roles[cpu],
            len(by_kind[KINDS[0]][cpu]),
            {kind: (median(by_kind[kind][cpu]), max(by_kind[kind][cpu])) for kind in KINDS},
        )
        for cpu in sorted(roles)
    ]
    return summaries, (median(controller), max(controller))
