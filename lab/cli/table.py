"""The comparison table on the terminal: the report's rows drawn with rich."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from lab.report.rows import ROW_LABELS, blocks, ratio_lines, table_apps
from lab.results.summarydoc import Summary


def render_summary(summary: Summary, console: Console) -> None:
    """Print the comparison table, then one line per ratio."""
    apps = table_apps(summary)
    found = blocks(summary, apps)
    if not found:
        console.print("no trials recorded")
        return
    table = Table(box=box.SIMPLE_HEAD, show_edge=False)
    table.add_column("")
    for app in apps:
        table.add_column(Text(app), justify="right")
    for number, block in enumerate(found):
        if number:
            table.add_section()
        table.add_row(Text(block.title, style="bold"), *([""] * len(apps)))
        for label, values in zip(ROW_LABELS, block.rows, strict=True):
            table.add_row(label, *values)
    console.print(table)
    for line in ratio_lines(summary):
        # Text, not a markup string: app names are not rich markup.
        console.print(Text(line))
