"""report.md: the report's content as Markdown tables and lists (charts are in report.html)."""

from __future__ import annotations

from collections.abc import Sequence

from lab.report.content import FAILED_COLUMNS, ReportContent
from lab.report.opencontent import OPEN_COLUMNS
from lab.report.provenance import IMAGE_COLUMNS
from lab.report.ranking import Ranking


def render_markdown(content: ReportContent) -> str:
    lines = [f"# {content.title}", "", content.subtitle, ""]
    lines += [f"**{sentence}**  " for sentence in content.headline]
    lines += ["", "## Results", ""]
    for ranking in content.rankings:
        lines += [f"### {ranking.title}", ""]
        lines += _ranking_table(ranking)
        lines.append("")
    if content.rankings:
        lines += [content.ranking_legend, ""]
    for ranking in content.efficiency:
        lines += [f"### {ranking.title}", ""]
        lines += _ranking_table(ranking)
        lines.append("")
    if content.efficiency:
        lines += [content.efficiency_legend, ""]
    for block in () if content.rankings else content.blocks:
        lines += [f"### {block.title}", ""]
        rows = [(label, *values) for label, values in zip(block.labels, block.rows, strict=True)]
        if any(content.deployments):
            rows.insert(0, ("deployment", *content.deployments))
        lines += _table(("", *content.apps), rows, right_align_from=1)
        lines.append("")
    if content.findings or content.notes:
        lines += ["## Warnings and notes", ""]
        lines += [f"- {severity}: {text}" for severity, text in content.findings]
        lines += [f"- note: {note}" for note in content.notes]
        lines.append("")
    if content.hosts:
        lines += ["## Across hosts", "", "```", *content.hosts, "```", ""]
    if content.drift:
        lines += ["## The host's drift", "", "```", *content.drift, "```", ""]
    if content.open is not None:
        lines += ["## Open loop: latency against offered load", "", content.open.method, ""]
        lines += [f"- {knee}" for knee in content.open.knees]
        lines += ["", f"Generator's own open-loop ceiling: {content.open.ceiling}.", ""]
        lines += _table(OPEN_COLUMNS, content.open.rows, right_align_from=3)
        lines.append("")
    lines += [
        "## Charts",
        "",
        "Markdown cannot hold them: open report.html beside this file for req/s with every"
        " trial, every trial against time, latency percentiles and CPU use per container.",
        "",
        "## Failed trials",
        "",
    ]
    lines += _table(FAILED_COLUMNS, content.failed) if content.failed else ["none"]
    lines += ["", "## Run and provenance", ""]
    for section in content.sections:
        lines += [f"### {section.title}", ""]
        lines += _table(("", ""), section.rows)
        lines.append("")
    lines += ["### Images", ""]
    lines += _table(IMAGE_COLUMNS, content.images) if content.images else ["none recorded"]
    lines += ["", f"Made by `python -m lab report` from {content.sources}.", ""]
    return "\n".join(lines)


def _ranking_table(ranking: Ranking) -> list[str]:
    """A ranking as a Markdown table; with deployments known, a column of them after the
    app's (a page has the room a terminal's 80 columns do not)."""
    if not any(ranking.deployments):
        return _table(ranking.labels, ranking.rows, right_align_from=2)
    labels = (*ranking.labels[:2], "deployment", *ranking.labels[2:])
    rows = [(*row[:2], ranking.deployment(n), *row[2:]) for n, row in enumerate(ranking.rows)]
    return _table(labels, rows, right_align_from=3)


def _table(
    header: Sequence[str], rows: Sequence[Sequence[str]], right_align_from: int | None = None
) -> list[str]:
    rule = [
        "--:" if right_align_from is not None and n >= right_align_from else "---"
        for n in range(len(header))
    ]
    return [_row(header), _row(rule)] + [_row(row) for row in rows]


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(_cell(cell) for cell in cells) + " |"


def _cell(text: str) -> str:
    # A pipe ends a cell and a newline ends the table; neither may pass through.
    return " ".join(text.replace("\\", "\\\\").replace("|", "\\|").split())
