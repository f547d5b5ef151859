"""Findings on the terminal, after the comparison table: one line each, coloured by severity.

Both renderings read the same line text, so what tests check is what users see.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.text import Text

from lab.analysis.checks.findings import Finding, Severity

EM_DASH = "\N{EM DASH}"
_STYLES: dict[Severity, str] = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def finding_line(finding: Finding) -> str:
    """ "WARNING hello @200 aio: CV 19.1% over 5 trials ... — run ≥ 59 repetitions ..."."""
    return f"{finding.severity.upper()} {finding.message} {EM_DASH} {finding.remedy}"


def findings_lines(findings: Sequence[Finding]) -> list[str]:
    return [finding_line(finding) for finding in findings]


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
