"""Making findings: one about a cell, one about the whole run, and their reporting order.

The Finding itself is a format of summary.json and lives in lab.results.findings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from lab.analysis.checks.cells import cell_label, cell_ref
from lab.model.cell import Cell
from lab.results.findings import SEVERITIES, Finding, Severity


def cell_finding(severity: Severity, code: str, key: Cell, text: str, remedy: str) -> Finding:
    """A finding about one cell; the message starts with the cell's label."""
    return Finding(severity, code, f"{cell_label(key)}: {text}", remedy, cell_ref(key))


def run_finding(severity: Severity, code: str, text: str, remedy: str) -> Finding:
    """A finding about the whole run."""
    return Finding(severity, code, f"run: {text}", remedy)


def by_severity(findings: Iterable[Finding]) -> list[Finding]:
    """Errors, then warnings, then info; the order within a severity is kept."""
    return sorted(findings, key=lambda finding: SEVERITIES.index(finding.severity))


EM_DASH = "\N{EM DASH}"


def finding_line(finding: Finding) -> str:
    """ "WARNING hello @200 aio: CV 19.1% over 5 trials ... — run ≥ 59 repetitions ..."."""
    return f"{finding.severity.upper()} {finding.message} {EM_DASH} {finding.remedy}"


def findings_lines(findings: Sequence[Finding]) -> list[str]:
    return [finding_line(finding) for finding in findings]
