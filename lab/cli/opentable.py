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
    # The report's columns less scenario (a table each), p90 and p99.99, so that a row
    # fits the 80 columns a pipe gets; the report has them all.
    dropped = ("scenario", "p90", "p99.99")
    keep = [n for n, column in enumerate(OPEN_COLUMNS) if column not in dropped]
    for scenario in dict.fromkeys(row[1] for row in content.rows):
        table = Table(
            box=box.SIMPLE_HEAD,
            show_edge=False,
            pad_edge=False,
            title=scenario,
            title_justify="left",
        )
        for n in keep:
            column = OPEN_COLUMNS[n].removesuffix(" req/s").replace("valid", "ok")
            table.add_column(Text(column), justify="left" if n < 3 else "right", no_wrap=True)
        for row in content.rows:
            if row[1] == scenario:
                table.add_row(*(Text(row[n].replace(" (invalid)", " ✗")) for n in keep))
        console.print(table)
    for line in content.knees:
        console.print(Text(line))
    console.print(Text(f"generator's own open-loop ceiling: {content.ceiling}"))
    found = open_run_findings(data)
    if found:
        render_findings(found, console)


def failed_sweeps(data: RunData) -> int:
    return sum(1 for sweep in data.sweeps if sweep.status == "failed")
