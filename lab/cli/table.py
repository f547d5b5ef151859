"""The comparison table on the terminal: the report's rows drawn with rich."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from lab.report.efficiency import EFFICIENCY_LEGEND, efficiency_rankings
from lab.report.ranking import Ranking, legend, ranked, ranked_headline, rankings
from lab.report.rows import ROW_LABELS, blocks, precision_line, ratio_lines, table_apps
from lab.results.summarydoc import Summary


def render_summary(summary: Summary, console: Console) -> None:
    """Print the comparison table, then one line per ratio; many apps as rankings."""
    if ranked(summary):
        render_rankings(summary, console)
        return
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


def render_rankings(summary: Summary, console: Console) -> None:
    """A ranking per scenario and level, fastest first, then one line per block."""
    found = rankings(summary)
    if not found:
        console.print("no trials recorded")
        return
    for ranking in found:
        _print_ranking(ranking, console)
    console.print(Text(legend(summary), style="dim"))
    by_efficiency = efficiency_rankings(summary)
    for ranking in by_efficiency:
        _print_ranking(ranking, console)
    if by_efficiency:
        console.print(Text(EFFICIENCY_LEGEND, style="dim"))
    for line in ranked_headline(summary):
        console.print(Text(line))
    if summary.precision is not None:
        console.print(Text(precision_line(summary.precision)))


def _print_ranking(ranking: Ranking, console: Console) -> None:
    table = Table(
        title=Text(ranking.title, style="bold"),
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=0,  # the box's blank divider is the one space between columns: 8 fit in 80
    )
    for n, label in enumerate(ranking.labels):
        table.add_column(label, justify="left" if n == 1 else "right", no_wrap=True)
    for row in ranking.rows:
        table.add_row(*(Text(value) for value in row))
    console.print(table)
