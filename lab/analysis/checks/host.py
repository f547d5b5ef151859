"""What the host's evidence says: disturbed trials, a busy controller, or no evidence at all.

The judgment of a disturbance is lab.analysis.disturbance's; this module words it.
"""

from __future__ import annotations

from collections.abc import Sequence

from lab.analysis.checks.findings import cell_finding, run_finding
from lab.analysis.disturbance import RULE, Disturbance, disturbances
from lab.measure.hostcpu import KIND_WORDS, KINDS
from lab.model.cell import Cell
from lab.results.findings import Finding
from lab.results.records import TrialRecord
from lab.text import percent

# The controller waits on the engine during a window; more than this means it is not.
CONTROLLER_LIMIT = 0.01

_REMEDIES = {
    "foreign": (
        "Stop what else runs on the host during a run (other containers, builds, tests), "
        "or keep it off the run's CPUs; then re-run the cell."
    ),
    "steal": (
        "The hypervisor gave the CPU to another guest: re-run at a quieter time, or on a "
        "dedicated or larger VM."
    ),
    "softirq": (
        "Interrupt and packet work landed on the CPU: keep other network traffic off the host, "
        "or compare with --network-path shared, which takes the bridge out of the path."
    ),
}


def _disturbance_text(found: Disturbance) -> str:
    """ "18% of CPU 0 (redis/wrk) to steal"."""
    roles = "/".join(found.roles) or "no role"
    above = "" if found.kind != "softirq" else f", cell median {percent(found.baseline)}"
    return f"{percent(found.share)} of CPU {found.cpu} ({roles}) to {found.kind}{above}"


def check_host(records: Sequence[TrialRecord]) -> list[Finding]:
    """Warn once per cell naming its disturbed trials, and for a controller above 1% of a
    CPU during a window; say once why, when no trial could have the host's evidence."""
    by_cell: dict[Cell, dict[int, list[Disturbance]]] = {}
    for trial, found in sorted(disturbances(records).items()):
        by_cell.setdefault(found[0].cell, {})[trial] = found
    findings = []
    for cell, trials in by_cell.items():
        kinds = sorted({d.kind for found in trials.values() for d in found}, key=KINDS.index)
        one = len(trials) == 1
        named = "; ".join(
            f"trial {trial}: " + ", ".join(_disturbance_text(d) for d in found)
            for trial, found in trials.items()
        )
        findings.append(
            cell_finding(
                "warning",
                "host-disturbed",
                cell,
                f"{named} during {'its window' if one else 'their windows'}"
                f" ({'; '.join(f'{kind}: {KIND_WORDS[kind]}' for kind in kinds)}; {RULE});"
                f" the cell's figures include {'it' if one else 'them'}.",
                " ".join(_REMEDIES[kind] for kind in kinds),
            )
        )
    shares = [(r.index, r.host.controller_share) for r in records if r.host is not None]
    busy = [(index, share) for index, share in shares if share > CONTROLLER_LIMIT]
    if busy:
        index, share = max(busy, key=lambda item: item[1])
        findings.append(
            run_finding(
                "warning",
                "controller-busy",
                f"the lab's own controller used {percent(share)} of a CPU during trial"
                f" {index}'s window ({len(busy)} of {len(shares)} windows above"
                f" {percent(CONTROLLER_LIMIT)}); it competes with what it measures.",
                "Run without a terminal progress display (redirect stderr), and report it: the"
                " controller should only wait during a window.",
            )
        )
    reasons = sorted({r.host_unavailable for r in records if r.host_unavailable is not None})
    # Records from before the evidence existed have neither and say nothing.
    if reasons and not shares:
        findings.append(
            run_finding(
                "info",
                "host-evidence-unavailable",
                f"no trial has evidence of what else ran on the host: {reasons[0]}.",
                "Run the controller on the engine's host to have each trial's disturbances "
                "measured rather than guessed from the numbers.",
            )
        )
    return findings
