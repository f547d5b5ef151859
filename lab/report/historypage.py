"""history.html: one self-contained page of a results folder's history (inline CSS and
SVG, nothing fetched): the steps first, then how they were found, then every cell's runs.

Every string from the runs is escaped; only the charts' SVG goes in as markup. The page
shares report.html's style, so the two read alike.
"""

from __future__ import annotations

from collections.abc import Sequence

from lab import __version__
from lab.analysis.history import CellHistory, History, Series
from lab.analysis.historyjson import method_lines
from lab.report.historychart import cell_chart
from lab.report.historytext import STEP_COLUMNS, overview, series_text, step_row, when
from lab.report.html import CSS, escape
from lab.text import format_rate, format_rate_interval

POINT_COLUMNS = ("run", "made (UTC)", "series", "median req/s", "interval", "trials", "level")
HISTORY_CSS = """
table.steps td.size { font-weight: 700; color: #C0392B; white-space: nowrap; }
table.list td.run { font-family: "DejaVu Sans Mono", ui-monospace, monospace; font-size: 12.5px; }
details { margin: 0 0 26px; }
details summary { cursor: pointer; color: var(--muted); font-size: 14px; }
ul.series { margin: 0 0 8px; padding-left: 18px; font-size: 14px; color: var(--muted); }
dl.method dt { font-weight: 700; margin-top: 6px; }
dl.method dd { margin: 0 0 0 18px; }
"""


def render_history(history: History) -> str:
    title = f"Run history {chr(0x2014)} {history.source}"
    parts = [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="lab {escape(__version__)}">',
        f"<title>{escape(title)}</title>",
        f"<style>{CSS}{HISTORY_CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        "<header>",
        '<p class="eyebrow">lab run history</p>',
        f"<h1>{escape(history.source)}</h1>",
        f'<p class="subtitle">{escape(overview(history))}</p>',
        "</header>",
        _steps(history),
        _method(history),
        '<section id="cells">',
        "<h2>Each cell, run after run</h2>",
        "<p>Dots: each run's median req/s; whiskers: its interval, at the level the run"
        " states; lines: the level between steps; dashed red: a step, with its size."
        " Every chart has the same runs across, in the order they were made; an axis of"
        " req/s does not start at zero.</p>",
        *(_cell(cell, history, n) for n, cell in enumerate(history.cells, start=1)),
        "</section>",
        _skipped(history),
        "<footer>",
        f"Made by <code>python -m lab history</code> (lab {escape(__version__)}) from the run"
        f" folders in {escape(history.source)}.",
        "</footer>",
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(part for part in parts if part) + "\n"


def _steps(history: History) -> str:
    if not history.steps:
        body = "<p>No step in any series: every cell's runs stayed at one level.</p>"
    else:
        body = _table(STEP_COLUMNS, [step_row(step) for step in history.steps], "steps")
    return f'<section id="steps">\n<h2>Steps</h2>\n{body}\n</section>'


def _method(history: History) -> str:
    items = "".join(
        f"<dt>{escape(name)}</dt><dd>{escape(text)}</dd>"
        for name, text in method_lines(history).items()
    )
    return (
        '<section id="method">\n<h2>How the steps are found</h2>\n'
        f'<dl class="method">{items}</dl>\n</section>'
    )


def _cell(cell: CellHistory, history: History, n: int) -> str:
    ident = f"history-{n}"
    notes = "".join(f"<li>{escape(series_text(series))}</li>" for series in cell.series)
    rows = [row for series in cell.series for row in _point_rows(series)]
    return "\n".join(
        [
            f'<figure class="chart" id="{ident}">',
            f"<figcaption><strong>{escape(cell.name)}</strong>"
            f'<ul class="series">{notes}</ul></figcaption>',
            cell_chart(cell, history.runs, ident),
            "</figure>",
            f"<details><summary>{escape(cell.name)}: the runs</summary>",
            _table(POINT_COLUMNS, rows, "points"),
            "</details>",
        ]
    )


def _point_rows(series: Series) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for n, point in enumerate(series.points):
        ci = point.rps_ci
        piece = series.pieces[series.piece_of(n)]
        rows.append(
            (
                point.run.run_id,
                when(point.run.created_at),
                str(series.number),
                format_rate(point.rps_median),
                "none stated" if ci is None else format_rate_interval(ci.low, ci.high, ci.level),
                str(point.trials),
                format_rate(piece.rps),
            )
        )
    return rows


def _skipped(history: History) -> str:
    if not history.skipped:
        return ""
    rows = [(path, problem) for path, problem in history.skipped]
    return (
        '<section id="skipped">\n<h2>Folders left out</h2>\n'
        + _table(("folder", "why"), rows, "skipped")
        + "\n</section>"
    )


def _table(columns: Sequence[str], rows: Sequence[Sequence[str]], name: str) -> str:
    head = "".join(f'<th scope="col">{escape(column)}</th>' for column in columns)
    body = [
        "<tr>"
        + "".join(
            f"<td{_css(column)}>{escape(value)}</td>"
            for column, value in zip(columns, row, strict=True)
        )
        + "</tr>"
        for row in rows
    ]
    return (
        f'<div class="scroll"><table class="list {name}"><thead><tr>{head}</tr></thead>'
        "<tbody>\n" + "\n".join(body) + "\n</tbody></table></div>"
    )


def _css(column: str) -> str:
    # Run ids in a monospace font; a step's size stands out.
    css = {"size": "size", "run": "run", "before": "run", "after": "run"}.get(column)
    return f' class="{css}"' if css else ""
