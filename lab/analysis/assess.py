"""The lab's verdict on its own measurement: the findings a run's data call for.

Pure: it reads what run.json, the trials and the summary hold, and returns findings
(the checks themselves live in lab.analysis.checks).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lab.analysis.checks import Finding, aa_finding, aa_resolution, headline_ok, run_checks
from lab.analysis.checks.cells import cell_key, summary_cells
from lab.model.plan import Cell
from lab.results.records import TrialRecord


def ceiling_rps(run: Mapping[str, Any]) -> float | None:
    """The harness ceiling to judge against: the lowest level's figure, the strictest one."""
    levels = (run.get("ceiling") or {}).get("connections") or {}
    figures = [entry.get("rps") for entry in levels.values() if isinstance(entry, Mapping)]
    measured = [float(rps) for rps in figures if isinstance(rps, int | float) and rps > 0]
    return min(measured) if measured else None


def aa_findings(run: Mapping[str, Any], summary: Mapping[str, Any]) -> list[Finding]:
    """For an A/A run, what the two identical variants say about this machine's noise."""
    app = (run.get("parameters") or {}).get("aa")
    if not app:
        return []
    cells = {cell_key(cell): cell for cell in summary_cells(summary)}
    findings = []
    for (name, scenario, connections), cell in cells.items():
        if name != f"{app}:a":
            continue
        other = cells.get(Cell(f"{app}:b", scenario, connections))
        if other is None or len(cell["rps"]) < 2 or len(other["rps"]) < 2:
            continue
        result = aa_resolution(cell["rps"], other["rps"])
        findings.append(aa_finding(Cell(app, scenario, connections), result))
    return findings


def assess(
    run: Mapping[str, Any], records: Sequence[TrialRecord], summary: Mapping[str, Any]
) -> list[Finding]:
    return run_checks(run, records, summary, ceiling_rps(run)) + aa_findings(run, summary)


def annotate(summary: dict[str, Any], findings: Sequence[Finding]) -> dict[str, Any]:
    """summary.json with its findings, and each cell marked fit for a headline or not."""
    for cell in summary.get("cells", []):
        cell["headline_ok"] = headline_ok(cell, findings)
    summary["findings"] = [finding.to_dict() for finding in findings]
    return summary
