"""The lab's verdict on its own measurement: the findings a run's data call for.

Pure: it reads what run.json, the trials and the summary hold, and returns findings
(the checks themselves live in lab.analysis.checks).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from lab.analysis.checks import aa_finding, aa_resolution, headline_ok, run_checks
from lab.model.cell import Cell
from lab.results.findings import Finding
from lab.results.records import TrialRecord
from lab.results.rundoc import RunDocument
from lab.results.summarydoc import Summary


def ceiling_rps(run: RunDocument) -> float | None:
    """The harness ceiling to judge against: the lowest level's figure, the strictest one."""
    levels = (run.ceiling or {}).get("connections") or {}
    figures = [entry.get("rps") for entry in levels.values() if isinstance(entry, Mapping)]
    measured = [float(rps) for rps in figures if isinstance(rps, int | float) and rps > 0]
    return min(measured) if measured else None


def aa_findings(run: RunDocument, summary: Summary) -> list[Finding]:
    """For an A/A run, what the two identical variants say about this machine's noise."""
    app = run.parameters.get("aa")
    if not app:
        return []
    cells = {cell.key: cell for cell in summary.cells}
    ratios = {(r.scenario, r.connections, r.numerator, r.denominator): r for r in summary.ratios}
    findings = []
    for (name, scenario, connections), cell in cells.items():
        if name != f"{app}:a":
            continue
        other = cells.get(Cell(f"{app}:b", scenario, connections))
        if other is None or len(cell.rps) < 2 or len(other.rps) < 2:
            continue
        blocked = ratios.get((scenario, connections, f"{app}:b", f"{app}:a"))
        result = aa_resolution(cell.rps, other.rps, blocked)
        findings.append(aa_finding(Cell(app, scenario, connections), result))
    return findings


def assess(run: RunDocument, records: Sequence[TrialRecord], summary: Summary) -> list[Finding]:
    return run_checks(run, records, summary, ceiling_rps(run)) + aa_findings(run, summary)


def annotate(summary: Summary, findings: Sequence[Finding]) -> Summary:
    """The summary with its findings, and each cell marked fit for a headline or not."""
    cells = tuple(replace(cell, headline_ok=headline_ok(cell, findings)) for cell in summary.cells)
    return replace(summary, cells=cells, findings=tuple(findings))
