"""What a reader should know before trusting the numbers: the run's state, then the lab's
own checks, one entry per kind of finding, worst first.

An entry gives its kind's first cell in full and names the other cells it touches, as the
terminal does past its first two; summary.json keeps every finding.
"""

from __future__ import annotations

from typing import Any

from lab.analysis.assess import assess
from lab.analysis.checks.findings import by_severity, grouped, more_cells
from lab.report.opencontent import open_run_findings
from lab.results.findings import SEVERITIES, Finding, Severity
from lab.results.reader import RunData, as_object
from lab.text import DASH


def findings(data: RunData) -> list[tuple[Severity, str]]:
    """(severity, text) entries, worst first; among warnings, the run's state first."""
    state: list[tuple[Severity, str]] = [("warning", text) for text in _run_state(data)]
    # The lab's own checks: the findings the terminal showed after the run.
    checks = by_severity([*_findings(data), *open_run_findings(data)])
    kinds = [
        (finding.severity, _entry(finding, more)) for finding, more in grouped(checks, shown=1)
    ]
    return sorted([*state, *kinds], key=lambda entry: SEVERITIES.index(entry[0]))


def _entry(finding: Finding, more: list[Finding]) -> str:
    text = f"{finding.message} {DASH} {finding.remedy}"
    return f"{text} {more_cells(finding, more)}" if more else text


def _run_state(data: RunData) -> list[str]:
    """What about the run as a whole qualifies every number in it."""
    found: list[str] = []
    if data.status != "complete":
        why = f"; it stopped because {data.run.reason}" if data.run.reason else ""
        found.append(
            f"the run is {data.status}: {len(data.records)} of {data.planned} trials recorded{why}"
        )
    if data.summary_recomputed:
        found.append("summary.json is missing; the summary here is recomputed from the trials")
    if data.failed_records:
        found.append(
            f"{len(data.failed_records)} of {data.planned} trials failed and are left out of"
            " the statistics; their reasons are listed under Failed trials"
        )
    git = as_object(as_object(data.provenance.get("lab")).get("git"))
    if git.get("dirty"):
        found.append(
            f"the lab's git tree was dirty (uncommitted changes on {_short(git.get('sha'))}):"
            " the code that ran is not exactly that commit"
        )
    return found


def _findings(data: RunData) -> list[Finding]:
    recorded = data.summary.findings
    if recorded is not None:
        return list(recorded)
    return assess(data.run, data.records, data.summary)


def _short(sha: Any) -> str:
    return str(sha)[:12] if sha else "an unknown commit"
