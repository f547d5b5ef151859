"""Findings on the terminal, after the comparison table: one line each, coloured by severity.

The plain line is the analysis layer's `finding_line`, so what tests check is what users see.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.text import Text

from lab.analysis.checks.findings import finding_line, grouped, more_cells
from lab.results.findings import Finding, Severity

_STYLES: dict[Severity, str] = {"error": "bold red", "warning": "yellow", "info": "cyan"}
# The terminal shows this many cells of a kind of finding in full and names the others on
# one line; summary.json keeps every one.
SHOWN_PER_CODE = 2


def render_findings(findings: Sequence[Finding], console: Console) -> None:
    """Print each finding with its severity word coloured; say so when there is none."""
    if not findings:
        console.print("checks: no findings")
        return
    for finding, more in grouped(findings, SHOWN_PER_CODE):
        # Text, not markup: messages quote app names and reasons verbatim.
        line = Text(finding_line(finding))
        line.stylize(_STYLES[finding.severity], 0, len(finding.severity))
        console.print(line)
        if more:
            console.print(Text(f"  {more_cells(finding, more)}"))
