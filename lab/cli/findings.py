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


def render_findings(findings: Sequence[Finding], console: Console) -> None:
    """Print each finding with its severity word coloured; say so when there is none."""
    if not findings:
        console.print("checks: no findings")
        return
    for finding in findings:
        # Text, not markup: messages quote app names and reasons verbatim.
        line = Text(finding_line(finding))
        line.stylize(_STYLES[finding.severity], 0, len(finding.severity))
        console.print(line)
