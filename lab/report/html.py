"""report.html: one self-contained page (inline CSS and SVG charts, nothing fetched).

Every string from the run is escaped; only the charts' SVG, which matplotlib writes
with its own escaping, goes in as markup. The page must read on a laptop and on paper:
a bounded width, tables that scroll rather than overflow, and no chart cut by a page break.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from lab import __version__
from lab.report import charts, opencharts
from lab.report.content import FAILED_COLUMNS, ReportContent, ResultBlock
from lab.report.costchart import cost_chart, has_cost
from lab.report.driftchart import drift_chart
from lab.report.opencontent import OPEN_COLUMNS
from lab.report.provenance import IMAGE_COLUMNS, Section
from lab.report.ranking import Ranking
from lab.results.reader import RunData

# Image IDs and git shas: set in a monospace font, and allowed to break anywhere.
_HASH = re.compile(r"^(sha256:)?[0-9a-f]{12,}$")
_MONO = ' class="mono"'
CSS = """
:root { color-scheme: light; --ink: #1d232b; --muted: #5b6673; --rule: #d8dde3;
  --accent: #0072B2; --wash: #f2f7fb; --warn: #8a5300; --warn-wash: #fff5df; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: #fff; color: var(--ink);
  font: 15px/1.5 "DejaVu Sans", system-ui, -apple-system, "Segoe UI", sans-serif; }
main { max-width: 1080px; margin: 0 auto; padding: 28px 28px 40px; }
h1 { font-size: 30px; line-height: 1.2; margin: 2px 0 4px; }
h2 { font-size: 20px; margin: 34px 0 10px; padding-bottom: 4px;
  border-bottom: 1px solid var(--rule); }
h3 { font-size: 15px; margin: 0 0 6px; }
.eyebrow { margin: 0; font-size: 12px; letter-spacing: .08em; text-transform: uppercase;
  color: var(--muted); }
.subtitle { margin: 0 0 18px; color: var(--muted); font-size: 14px; }
.headline { margin: 0 0 18px; padding: 12px 20px; background: var(--wash);
  border-left: 5px solid var(--accent); border-radius: 0 6px 6px 0; }
.headline p { margin: 6px 0; font-size: 21px; font-weight: 700; line-height: 1.35; }
.headline .ci { font-weight: 400; color: var(--muted); font-size: 17px; }
ul.findings { margin: 0; padding: 0; list-style: none; }
ul.findings li { margin: 6px 0; padding: 7px 12px; border-radius: 5px; font-size: 14px; }
li.warning { background: var(--warn-wash); border-left: 4px solid #e69f00; }
li.note, li.info { background: #f4f5f7; border-left: 4px solid #9aa4ae; }
li.error { background: #fdecea; border-left: 4px solid #c0392b; }
li.error .tag { color: #c0392b; }
li .tag { font-weight: 700; margin-right: 6px; }
li.warning .tag { color: var(--warn); }
.blocks, .facts { display: grid; gap: 18px 28px;
  grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
caption { text-align: left; font-weight: 700; padding: 0 0 6px; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--rule); vertical-align: top; }
thead th { border-bottom: 2px solid var(--ink); text-align: right; }
tbody th { text-align: left; font-weight: 400; color: var(--muted); }
table.result thead th:first-child { text-align: left; }
table.result td { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.result tr.key td { font-weight: 700; font-size: 15px; }
table.result tr.ratio td { font-weight: 700; color: var(--accent); }
table.list thead th { text-align: left; }
.deployment { font-size: 12px; font-weight: 400; color: var(--muted); white-space: nowrap; }
table.list td.reason { min-width: 18em; }
.blocks > *, .facts > * { min-width: 0; }
.facts table th { width: 36%; }
.facts td { overflow-wrap: anywhere; }
code, .mono { font-family: "DejaVu Sans Mono", ui-monospace, monospace; font-size: 12.5px;
  overflow-wrap: anywhere; }
figure.chart { margin: 0 0 26px; }
figure.chart figcaption { font-size: 14px; color: var(--muted); margin: 0 0 6px; }
figure.chart figcaption strong { color: var(--ink); }
figure.chart svg { display: block; width: 100%; height: auto; }
figure.chart svg * { stroke-linejoin: round; stroke-linecap: butt; }
footer { margin-top: 36px; color: var(--muted); font-size: 13px; border-top: 1px solid var(--rule);
  padding-top: 10px; }
@media (max-width: 640px) {
  main { padding: 18px 14px 30px; }
  h1 { font-size: 24px; }
  .headline p { font-size: 18px; }
}
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  body { font-size: 10pt; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  main { max-width: none; padding: 0; }
  h2 { margin-top: 18pt; break-after: avoid; }
  h3, caption { break-after: avoid; }
  .headline p { font-size: 14pt; }
  .headline .ci { font-size: 12pt; }
  figure.chart, table, ul.findings li, .facts > div { break-inside: avoid; }
  figure.chart svg { max-height: 235mm; }
  .scroll { overflow: visible; }
}
"""


def escape(text: str) -> str:
    """Escape text for an element's content; quotes stay as they are, readable in the source."""
    return html.escape(text, quote=False)


def render_html(content: ReportContent, data: RunData) -> str:
    title = f"{content.title} {chr(0x2014)} lab report {data.run_id}"
    parts = [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="lab {html.escape(__version__)}">',
        f"<title>{escape(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        "<header>",
        '<p class="eyebrow">lab benchmark report</p>',
        f"<h1>{escape(content.title)}</h1>",
        f'<p class="subtitle">{escape(content.subtitle)}</p>',
        "</header>",
        _headline(content.headline),
        '<section id="results">',
        "<h2>Results ranked, fastest first</h2>"
        if content.rankings
        else "<h2>Results side by side</h2>",
        '<div class="blocks">',
        *(
            (_ranking_table(ranking) for ranking in content.rankings)
            if content.rankings
            else (
                _result_table(block, content.apps, content.deployments) for block in content.blocks
            )
        ),
        "</div>",
        f'<p class="legend">{escape(content.ranking_legend)}</p>' if content.rankings else "",
        *_efficiency(content),
        "</section>",
        _findings(content),
        _hosts(content),
        _charts(data),
        _open(content),
        '<section id="failed">',
        "<h2>Failed trials</h2>",
        _list_table(FAILED_COLUMNS, content.failed, "failed") if content.failed else "<p>none</p>",
        "</section>",
        '<section id="provenance">',
        "<h2>Run and provenance</h2>",
        '<div class="facts">',
        *(_facts(section) for section in content.sections),
        "</div>",
        "<h3>Images</h3>",
        _list_table(IMAGE_COLUMNS, content.images, "images")
        if content.images
        else "<p>none recorded</p>",
        "</section>",
        "<footer>",
        f"Made by <code>python -m lab report</code> (lab {escape(__version__)}) from"
        f" {escape(content.sources)}.",
        "</footer>",
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _headline(sentences: Sequence[str]) -> str:
    lines = []
    for sentence in sentences:
        claim, bracket, rest = sentence.partition(" (")
        detail = f' <span class="ci">{escape(bracket + rest)}</span>' if bracket else ""
        lines.append(f"<p>{escape(claim)}{detail}</p>")
    return '<section id="headline" class="headline">\n' + "\n".join(lines) + "\n</section>"


def _findings(content: ReportContent) -> str:
    if not content.findings and not content.notes:
        return ""
    items = [
        f'<li class="{severity}"><span class="tag">{severity}</span>{escape(text)}</li>'
        for severity, text in content.findings
    ] + [
        f'<li class="note"><span class="tag">note</span>{escape(text)}</li>'
        for text in content.notes
    ]
    return (
        '<section id="warnings">\n<h2>Warnings and notes</h2>\n<ul class="findings">\n'
        + "\n".join(items)
        + "\n</ul>\n</section>"
    )


def _hosts(content: ReportContent) -> str:
    if not content.hosts:
        return ""
    return (
        '<section id="hosts">\n<h2>Across hosts</h2>\n<pre>'
        + escape("\n".join(content.hosts))
        + "</pre>\n</section>"
    )


def _result_table(block: ResultBlock, apps: Sequence[str], deployments: Sequence[str]) -> str:
    head = "".join(
        f'<th scope="col">{escape(app)}{_deployment(deployments, n)}</th>'
        for n, app in enumerate(apps)
    )
    rows = []
    for n, (label, values) in enumerate(zip(block.labels, block.rows, strict=True)):
        css = ' class="key"' if n == 0 else ' class="ratio"' if n == len(block.rows) - 1 else ""
        cells = "".join(f"<td>{escape(value)}</td>" for value in values)
        rows.append(f'<tr{css}><th scope="row">{escape(label)}</th>{cells}</tr>')
    return (
        f'<div class="scroll"><table class="result"><caption>{escape(block.title)}</caption>'
        f"<thead><tr><th></th>{head}</tr></thead><tbody>\n"
        + "\n".join(rows)
        + "\n</tbody></table></div>"
    )


def _efficiency(content: ReportContent) -> list[str]:
    """The rankings by efficiency, after the speed ones; nothing without them."""
    if not content.efficiency:
        return []
    return [
        "<h3>Ranked by efficiency, most requests per CPU second first</h3>",
        '<div class="blocks">',
        *(_ranking_table(ranking) for ranking in content.efficiency),
        "</div>",
        f'<p class="legend">{escape(content.efficiency_legend)}</p>',
    ]


def _deployment(deployments: Sequence[str], n: int) -> str:
    """An app's deployment under its name, smaller; nothing when unknown."""
    label = deployments[n] if n < len(deployments) else ""
    return f'<br><span class="deployment">{escape(label)}</span>' if label else ""


def _ranking_table(ranking: Ranking) -> str:
    head = "".join(f'<th scope="col">{escape(label)}</th>' for label in ranking.labels)
    rows = [
        "<tr>"
        + "".join(
            f'<th scope="row">{escape(value)}{_deployment(ranking.deployments, r)}</th>'
            if n == 1
            else f"<td>{escape(value)}</td>"
            for n, value in enumerate(row)
        )
        + "</tr>"
        for r, row in enumerate(ranking.rows)
    ]
    return (
        f'<div class="scroll"><table class="result ranking"><caption>{escape(ranking.title)}'
        f"</caption><thead><tr>{head}</tr></thead><tbody>\n"
        + "\n".join(rows)
        + "\n</tbody></table></div>"
    )


def _list_table(columns: Sequence[str], rows: Sequence[Sequence[str]], name: str) -> str:
    head = "".join(f'<th scope="col">{escape(column)}</th>' for column in columns)
    body = []
    for row in rows:
        cells = []
        for column, value in zip(columns, row, strict=True):
            css = {"reason": "reason", "ID": "mono", "lock hash": "mono"}
            attribute = f' class="{css[column]}"' if column in css else ""
            cells.append(f"<td{attribute}>{escape(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<div class="scroll"><table class="list {name}"><thead><tr>{head}</tr></thead>'
        "<tbody>\n" + "\n".join(body) + "\n</tbody></table></div>"
    )


def _facts(section: Section) -> str:
    rows = "".join(
        f'<tr><th scope="row">{escape(label)}</th>'
        f"<td{_MONO if _HASH.match(value) else ''}>{escape(value)}</td></tr>"
        for label, value in section.rows
    )
    return f"<div><h3>{escape(section.title)}</h3><table><tbody>{rows}</tbody></table></div>"


def _open(content: ReportContent) -> str:
    section = content.open
    if section is None:
        return ""
    chart = (
        '<figure class="chart" id="chart-open">\n<figcaption><strong>Latency against offered'
        " load, log scales.</strong> One colour per app, one line style per percentile;"
        " hollow markers: rates whose points were not all valid; dashed red: the p99"
        f" promise.</figcaption>\n{opencharts.latency_load_chart(section.summary)}\n</figure>"
        if opencharts.has_open_data(section.summary)
        else "<p>No open-loop point was measured: nothing to draw.</p>"
    )
    knees = "".join(f"<li>{escape(line)}</li>" for line in section.knees)
    return "\n".join(
        [
            '<section id="open">',
            "<h2>Open loop: latency against offered load</h2>",
            f"<p>{escape(section.method)}</p>",
            f'<ul class="knees">{knees}</ul>',
            f"<p>Generator's own open-loop ceiling: {escape(section.ceiling)}.</p>",
            chart,
            _list_table(OPEN_COLUMNS, section.rows, "open"),
            "</section>",
        ]
    )


def _charts(data: RunData) -> str:
    if not charts.has_data(data.summary):
        return '<section id="charts"><h2>Charts</h2><p>No ok trials: nothing to draw.</p></section>'
    summary, records = data.summary, data.records
    figures = (
        (
            "chart-rps",
            "Requests per second.",
            "Bars: median of the ok trials; whiskers: the median's order-statistic CI, at the"
            " level it achieves with the cell's trials (see the table: 93.7% at 5 trials);"
            " dots: each ok trial; crosses: failed trials, left out of the statistics.",
            charts.rps_chart(summary, records),
        ),
        *(
            (
                (
                    "chart-drift",
                    "Every trial against time.",
                    "Each app's ok trials at the middle of their measured windows, alternate"
                    " rounds shaded. Apps falling and rising together is the host drifting;"
                    " the ratios pair each round's trials, so that drift leaves them.",
                    drift_chart(summary, records),
                ),
            )
            if summary.drift is not None
            else ()
        ),
        (
            "chart-latency",
            "Latency percentiles, log scale.",
            "Bold: the median across trials of each percentile; faint: each ok trial. wrk"
            " is closed-loop, so read these as latency at the throughput reached, not as"
            " service-level figures.",
            charts.latency_chart(summary, records),
        ),
        (
            "chart-cpu",
            "CPU use per container.",
            "Median share of its allotted CPUs each container used while wrk ran; the"
            " dashed line is the whole allotment. An app at 100% is CPU-bound; a busy wrk"
            " or Redis would limit the result instead.",
            charts.cpu_chart(summary),
        ),
        *(
            (
                (
                    "chart-cost",
                    "The cost of serving.",
                    "Each app's median req/s against its median app CPU milliseconds per ok"
                    " response (bar: that median's order-statistic CI), labelled with its"
                    " container's memory peak. Up and to the left is fast and cheap; of two"
                    " apps at one height, the one to the right spends more CPU per answer.",
                    cost_chart(summary),
                ),
            )
            if has_cost(summary)
            else ()
        ),
    )
    return "\n".join(
        ['<section id="charts">', "<h2>Charts</h2>"]
        + [
            f'<figure class="chart" id="{ident}">\n<figcaption><strong>{escape(title)}</strong>'
            f" {escape(caption)}</figcaption>\n{svg}\n</figure>"
            for ident, title, caption, svg in figures
        ]
        + ["</section>"]
    )
