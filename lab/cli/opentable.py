"""Open mode on the terminal: the table per rate, the knee per app, the open findings."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from lab.cli.findings import render_findings
from lab.report.opencontent import OPEN_COLUMNS, open_content, open_run_findings
from lab.results.reader import RunData


def render_open(data: RunData, console: Console) -> None:
    """Nothing for a closed-loop run."""
    content = open_content(data)
    if content is None:
        return
    console.print(Text("open loop: latency against offered load", style="bold"))
    table = Table(box=box.SIMPLE_HEAD, show_edge=False)
    for n, column in enumerate(OPEN_COLUMNS):
        table.add_column(Text(column), justify="right" if 3 <= n < len(OPEN_COLUMNS) else "left")
    for row in content.rows:
        table.add_row(*(Text(cell) for cell in row))
    console.print(table)
    for line in content.knees:
        console.print(Text(line))
    console.print(Text(f"generator's own open-loop ceiling: {content.ceiling}"))
    found = open_run_findings(data)
    if found:
        render_findings(found, console)


def failed_sweeps(data: RunData) -> int:
    return sum(1 for sweep in data.sweeps if sweep.status == "failed")
