"""Making findings: one about a cell, one about the whole run, and their reporting order.

The Finding itself is a format of summary.json and lives in lab.results.findings. The
terminal and the report both gather a kind's repeats (`grouped`), each showing fewer in full.
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


def grouped(findings: Sequence[Finding], shown: int) -> list[tuple[Finding, list[Finding]]]:
    """Findings in order, each with those it gathers: a kind's (severity and code) first
    `shown` cells stand alone, its later ones go under the last of those. A finding about
    the whole run always stands alone.

    A code may come at two severities (failed-trials: an error once a cell has no ok trial
    left): those are two kinds.
    """
    kinds: dict[tuple[str, str], list[tuple[Finding, list[Finding]]]] = {}
    entries: list[tuple[Finding, list[Finding]]] = []
    for finding in findings:
        kind = kinds.setdefault((finding.severity, finding.code), [])
        if finding.cell is not None and len(kind) >= shown:
            kind[-1][1].append(finding)
            continue
        entry: tuple[Finding, list[Finding]] = (finding, [])
        kind.append(entry)
        entries.append(entry)
    return entries


def more_cells(finding: Finding, more: Sequence[Finding]) -> str:
    """ "… and 2 more cells the same (high-cv): hello @200 aio, hit @200 aio"."""
    cells = ", ".join(cell_label(other.cell_key) for other in more if other.cell_key)
    return f"\N{HORIZONTAL ELLIPSIS} and {len(more)} more cells the same ({finding.code}): {cells}"
