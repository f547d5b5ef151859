"""Findings on the terminal, after the comparison table: one line each, coloured by severity.

The plain line is the analysis layer's `finding_line`, so what tests check is what users see.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.text import Text

from lab.analysis.checks.findings import finding_line
from lab.results.findings import Finding, Severity

_STYLES: dict[Severity, str] = {"error": "bold red", "warning": "yellow", "info": "cyan"}
# Beyond this many cells with the same finding, the terminal shows the first in full and
# names the other cells on one line; report.html and findings.json keep every one.
SHOWN_PER_CODE = 2


def render_findings(findings: Sequence[Finding], console: Console) -> None:
    """Print each finding with its severity word coloured; say so when there is none."""
    if not findings:
        console.print("checks: no findings")
        return
    for finding, more in grouped(findings):
        # Text, not markup: messages quote app names and reasons verbatim.
        line = Text(finding_line(finding))
        line.stylize(_STYLES[finding.severity], 0, len(finding.severity))
        console.print(line)
        if more:
            cells = ", ".join(_where(other) for other in more)
            console.print(
                Text(f"  … and {len(more)} more cells the same ({finding.code}): {cells}")
            )


def grouped(findings: Sequence[Finding]) -> list[tuple[Finding, list[Finding]]]:
    """Findings in order, the cells past SHOWN_PER_CODE of a code gathered under its last
    one shown."""
    shown: dict[tuple[str, str], list[tuple[Finding, list[Finding]]]] = {}
    out: list[tuple[Finding, list[Finding]]] = []
    for finding in findings:
        key = (finding.severity, finding.code)
        entries = shown.setdefault(key, [])
        if finding.cell is not None and len(entries) >= SHOWN_PER_CODE:
            entries[-1][1].append(finding)
            continue
        entry: tuple[Finding, list[Finding]] = (finding, [])
        entries.append(entry)
        out.append(entry)
    return out


def _where(finding: Finding) -> str:
    cell = finding.cell or {}
    return f"{cell.get('scenario')} @{cell.get('connections')} {cell.get('app')}"
