"""What the host's evidence says: disturbed trials, a busy controller, or no evidence at all.

The judgment of a disturbance is lab.analysis.disturbance's; this module words it.
"""

from __future__ import annotations

from collections.abc import Sequence

from lab.analysis.checks.findings import cell_finding, run_finding
from lab.analysis.disturbance import RULE, Disturbance, disturbances, has_evidence
from lab.measure.hostcpu import KIND_WORDS, KINDS
from lab.model.plan import Cell
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


def _trial_text(trial: int, found: Sequence[Disturbance]) -> str:
    """ "trial 12: 18% of CPU 0 (redis/wrk) to steal, 9% of CPU 1 (app) to foreign"."""

    def one(d: Disturbance) -> str:
        roles = "/".join(d.roles) or "no role"
        above = "" if d.kind != "softirq" else f", cell median {percent(d.baseline)}"
        return f"{percent(d.share)} of CPU {d.cpu} ({roles}) to {d.kind}{above}"

    return f"trial {trial}: " + ", ".join(one(d) for d in found if d.trial == trial)


def check_host(records: Sequence[TrialRecord]) -> list[Finding]:
    """Warn once per cell naming its disturbed trials, and for a controller above 1% of a
    CPU during a window; say once why, when no trial could have the host's evidence."""
    by_cell: dict[Cell, list[Disturbance]] = {}
    for _, listed in sorted(disturbances(records).items()):
        by_cell.setdefault(listed[0].cell, []).extend(listed)
    findings = []
    for cell, found in by_cell.items():
        kinds = sorted({d.kind for d in found}, key=KINDS.index)
        trials = sorted({d.trial for d in found})
        findings.append(
            cell_finding(
                "warning",
                "host-disturbed",
                cell,
                f"{'; '.join(_trial_text(trial, found) for trial in trials)} during"
                f" {'its window' if len(trials) == 1 else 'their windows'}"
                f" ({'; '.join(f'{kind}: {KIND_WORDS[kind]}' for kind in kinds)}; {RULE});"
                f" the cell's figures include {'it' if len(trials) == 1 else 'them'}.",
                " ".join(_REMEDIES[kind] for kind in kinds),
            )
        )
    shares = [
        (record.index, float(record.host["controller_share"]))
        for record in records
        if record.host is not None and "controller_share" in record.host
    ]
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
    reasons = sorted(
        {
            str(record.host["unavailable"])
            for record in records
            if record.host is not None and record.host.get("unavailable")
        }
    )
    # Records from before the evidence existed have no `host` at all and say nothing.
    if reasons and not any(has_evidence(record) for record in records):
        why = reasons[0]
        findings.append(
            run_finding(
                "info",
                "host-evidence-unavailable",
                f"no trial has evidence of what else ran on the host: {why}.",
                "Run the controller on the engine's host to have each trial's disturbances "
                "measured rather than guessed from the numbers.",
            )
        )
    return findings
