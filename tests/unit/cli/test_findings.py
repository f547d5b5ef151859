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


def test_render_findings_names_a_kinds_cells_past_the_first_two_on_one_line() -> None:
    cells = [{"app": "aio", "scenario": "hello", "connections": n} for n in (64, 200, 400, 800)]
    findings = [
        finding(cell=cell, message=f"hello @{cell['connections']} aio: CV.") for cell in cells
    ]
    findings.append(finding("info", "redis-shares-wrk-cpus", cell=None, message="run: shared."))
    console = Console(file=io.StringIO(), record=True, width=300)
    render_findings(findings, console)
    lines = console.export_text().splitlines()
    assert lines[:2] == findings_lines(findings[:2])
    assert lines[2] == "  … and 2 more cells the same (high-cv): hello @400 aio, hello @800 aio"
    assert lines[3:] == findings_lines(findings[4:])
