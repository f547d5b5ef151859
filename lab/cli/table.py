"""The comparison table on the terminal: the report's rows drawn with rich."""

from __future__ import annotations

from collections.abc import Mapping

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from lab.report.efficiency import EFFICIENCY_LEGEND, efficiency_rankings
from lab.report.hostrows import host_lines
from lab.report.ranking import Ranking, laid_out, legend, ranked, ranked_headline, rankings
from lab.report.rows import (
    ROW_LABELS,
    blocks,
    deployment_lines,
    precision_line,
    ratio_lines,
    table_apps,
)
from lab.results.summarydoc import Summary


def render_summary(
    summary: Summary, console: Console, deployments: Mapping[str, str] | None = None
) -> None:
    """Print the comparison table, then one line per ratio; many apps as rankings.
    `deployments`: each app's label (RunDocument.deployments), said for every app."""
    if ranked(summary):
        render_rankings(summary, console, deployments)
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
    for line in deployment_lines(apps, deployments or {}):
        console.print(Text(line, style="dim"))
    for line in ratio_lines(summary):
        # Text, not a markup string: app names are not rich markup.
        console.print(Text(line))
    for line in host_lines(summary):
        console.print(Text(line))


def render_rankings(
    summary: Summary, console: Console, deployments: Mapping[str, str] | None = None
) -> None:
    """A ranking per scenario and level, fastest first, then one line per block."""
    found = rankings(summary, deployments)
    if not found:
        console.print("no trials recorded")
        return
    for ranking in found:
        _print_ranking(ranking, console)
    console.print(Text(legend(summary), style="dim"))
    by_efficiency = efficiency_rankings(summary, deployments)
    for ranking in by_efficiency:
        _print_ranking(ranking, console)
    if by_efficiency:
        console.print(Text(EFFICIENCY_LEGEND, style="dim"))
    for line in ranked_headline(summary):
        console.print(Text(line))
    if summary.precision is not None:
        console.print(Text(precision_line(summary.precision)))


# Each line's style by its kind (lab.report.ranking.laid_out): the deployment under each
# row dim, so that the figures stay what the eye finds first.
STYLES = {"header": "bold", "rule": "", "row": "", "deployment": "dim"}


def _print_ranking(ranking: Ranking, console: Console) -> None:
    """Laid out here rather than by rich's Table: a row's deployment takes a line of its
    own under the row, wider than the app's column, which a table cannot span."""
    console.print(Text(ranking.title, style="bold"))
    for kind, line in laid_out(ranking):
        console.print(Text(line, style=STYLES[kind]), no_wrap=True, crop=False)
    console.print()
