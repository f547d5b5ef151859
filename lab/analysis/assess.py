"""The lab's verdict on its own measurement: the findings a run's data call for.

Pure: it reads what run.json, the trials and the summary hold, and returns findings
(the checks themselves live in lab.analysis.checks).

`ceiling_rps`, `assess` and `annotate` also take run.json and summary.json as plain
JSON, which is what the runner holds until it builds a RunDocument and a Summary
(RUNNER_PATCH.md); those overloads go then.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, overload

from lab.analysis.checks import Finding, aa_finding, aa_resolution, headline_ok, run_checks
from lab.model.plan import Cell
from lab.results.records import TrialRecord
from lab.results.rundoc import RunDocument
from lab.results.summarydoc import Summary


def ceiling_rps(run: RunDocument | Mapping[str, Any]) -> float | None:
    """The harness ceiling to judge against: the lowest level's figure, the strictest one."""
    ceiling = run.ceiling if isinstance(run, RunDocument) else run.get("ceiling")
    levels = (ceiling or {}).get("connections") or {}
    figures = [entry.get("rps") for entry in levels.values() if isinstance(entry, Mapping)]
    measured = [float(rps) for rps in figures if isinstance(rps, int | float) and rps > 0]
    return min(measured) if measured else None


def aa_findings(run: RunDocument, summary: Summary) -> list[Finding]:
    """For an A/A run, what the two identical variants say about this machine's noise."""
    app = run.parameters.get("aa")
    if not app:
        return []
    cells = {cell.key: cell for cell in summary.cells}
    findings = []
    for (name, scenario, connections), cell in cells.items():
        if name != f"{app}:a":
            continue
        other = cells.get(Cell(f"{app}:b", scenario, connections))
        if other is None or len(cell.rps) < 2 or len(other.rps) < 2:
            continue
        result = aa_resolution(cell.rps, other.rps)
        findings.append(aa_finding(Cell(app, scenario, connections), result))
    return findings


def assess(
    run: RunDocument | Mapping[str, Any],
    records: Sequence[TrialRecord],
    summary: Summary | Mapping[str, Any],
) -> list[Finding]:
    run = run if isinstance(run, RunDocument) else RunDocument.from_dict(run)
    summary = summary if isinstance(summary, Summary) else Summary.from_dict(summary)
    return run_checks(run, records, summary, ceiling_rps(run)) + aa_findings(run, summary)


@overload
def annotate(summary: Summary, findings: Sequence[Finding]) -> Summary: ...
@overload
def annotate(summary: dict[str, Any], findings: Sequence[Finding]) -> dict[str, Any]: ...
def annotate(
    summary: Summary | dict[str, Any], findings: Sequence[Finding]
) -> Summary | dict[str, Any]:
    """The summary with its findings, and each cell marked fit for a headline or not."""
    if not isinstance(summary, Summary):
        return annotate(Summary.from_dict(summary), findings).to_dict()
    cells = tuple(replace(cell, headline_ok=headline_ok(cell, findings)) for cell in summary.cells)
    return replace(summary, cells=cells, findings=tuple(findings))
