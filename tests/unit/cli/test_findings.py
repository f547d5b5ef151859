"""Findings on the terminal: the plain lines, with the severity word coloured."""

from __future__ import annotations

import io

from rich.console import Console

from lab.analysis.checks import findings_lines
from lab.cli.findings import render_findings
from tests.unit.fixtures import finding


def test_render_findings_prints_the_lines_with_the_severity_coloured() -> None:
    findings = [finding("error", "request-errors"), finding(), finding("info", "x")]
    out = io.StringIO()
    console = Console(
        file=out, record=True, width=300, force_terminal=True, color_system="standard"
    )

    render_findings(findings, console)

    assert console.export_text().splitlines() == findings_lines(findings)
    styled = out.getvalue()
    assert "\x1b[1;31mERROR\x1b[0m" in styled
    assert "\x1b[33mWARNING\x1b[0m" in styled
    assert "\x1b[36mINFO\x1b[0m" in styled


def test_render_findings_treats_names_as_text_not_markup() -> None:
    odd = finding(message="hello @200 [bold]aio[/bold]: odd name.")
    console = Console(file=io.StringIO(), record=True, width=300)
    render_findings([odd], console)
    assert "[bold]aio[/bold]" in console.export_text()


def test_render_findings_says_when_there_is_nothing() -> None:
    console = Console(file=io.StringIO(), record=True, width=80)
    render_findings([], console)
    assert console.export_text() == "checks: no findings\n"
