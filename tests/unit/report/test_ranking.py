from __future__ import annotations

from rich.console import Console

from lab.cli.table import render_summary
from lab.report.content import ReportContent
from lab.report.markdown import render_markdown
from lab.report.ranking import (
    MAX_COLUMNS,
    laid_out,
    ranked,
    ranked_headline,
    ranking_lines,
    rankings,
)
from lab.results.summarydoc import Ratio, Summary, SummaryCell
from lab.text import TIMES

APPS = ("flask", "aio", "fastapi", "django", "falcon")
RPS = {"flask": 1000.0, "aio": 4000.0, "fastapi": 2500.0, "django": 500.0, "falcon": 1500.0}


def summary(apps: tuple[str, ...] = APPS) -> Summary:
    cells = tuple(
        SummaryCell(app, "hello", 64, 3, 0, (RPS[app],) * 3, rps_median=RPS[app]) for app in apps
    )
    ratios = tuple(
        Ratio("hello", 64, app, apps[0], ratio=RPS[app] / RPS[apps[0]]) for app in apps[1:]
    )
    return Summary(apps=apps, cells=cells, ratios=ratios)


def test_more_apps_than_columns_fit_read_as_a_ranking() -> None:
    assert ranked(summary())
    assert not ranked(summary(APPS[:MAX_COLUMNS]))


def test_the_ranking_is_fastest_first_with_ratios_to_the_fastest_and_the_baseline() -> None:
    (ranking,) = rankings(summary())
    assert ranking.title == "hello @64 connections"
    assert [row[1] for row in ranking.rows] == ["aio", "fastapi", "falcon", "flask", "django"]
    assert [row[0] for row in ranking.rows] == ["1", "2", "3", "4", "5"]
    by_app = {row[1]: row for row in ranking.rows}
    assert by_app["aio"][5] == f"1.00{TIMES}"
    assert by_app["flask"][5] == f"0.25{TIMES}"
    assert by_app["flask"][6] == "baseline"
    assert by_app["aio"][6].startswith("4.0")
    assert ranking.labels[6] == "vs flask"


def test_the_headline_names_the_fastest_and_the_slowest_per_level() -> None:
    (line,) = ranked_headline(summary())
    assert line.startswith("hello @64 connections: aio is fastest at 4,000 req/s")
    assert "flask's" in line and line.endswith("slowest: django at 500")


def test_plain_lines_keep_the_columns_aligned() -> None:
    lines = ranking_lines(summary())
    assert lines[0] == "hello @64 connections"
    rows = lines[2:7]
    assert len({len(row) for row in rows}) == 1


# Each app's deployment, as RunDocument.deployments gives it (django's the widest there is).
DEPLOYMENTS = {
    "flask": "Flask · WSGI · gunicorn gevent",
    "aio": "aiohttp · gunicorn aiohttp worker (uvloop)",
    "fastapi": "FastAPI · ASGI · uvicorn",
    "django": "Django · WSGI · gunicorn gthread \N{MULTIPLICATION SIGN}64",
}


def test_each_row_says_its_deployment_and_an_unknown_one_is_blank() -> None:
    (ranking,) = rankings(summary(), DEPLOYMENTS)
    assert ranking.deployments == (DEPLOYMENTS["aio"], DEPLOYMENTS["fastapi"], "", *(
        DEPLOYMENTS[app] for app in ("flask", "django")
    ))  # fmt: skip
    assert rankings(summary())[0].deployments == ()


def test_the_deployment_takes_a_line_under_its_row_starting_at_the_apps_name() -> None:
    (ranking,) = rankings(summary(), DEPLOYMENTS)
    lines = laid_out(ranking)
    kinds = [kind for kind, _ in lines]
    assert kinds[:5] == ["header", "rule", "row", "deployment", "row"]
    assert kinds.count("deployment") == 4  # falcon's is not known
    row, under = lines[2][1], lines[3][1]
    assert under.strip() == DEPLOYMENTS["aio"]
    assert under.index(DEPLOYMENTS["aio"]) == row.index("aio")


def test_the_terminal_keeps_80_columns_with_the_deployments() -> None:
    console = Console(record=True, width=80)
    render_summary(summary(), console, DEPLOYMENTS)
    text = console.export_text()
    assert DEPLOYMENTS["django"] in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_the_markdown_ranking_gives_the_deployment_a_column() -> None:
    found = rankings(summary(), DEPLOYMENTS)
    content = ReportContent(
        title="t", subtitle="s", headline=(), findings=(), notes=(), apps=APPS,
        blocks=(), failed=(), sections=(), images=(), sources="here",
        rankings=tuple(found), ranking_legend="speed",
    )  # fmt: skip
    text = render_markdown(content)
    assert "| # | app | deployment | req/s |" in text
    assert f"| 1 | aio | {DEPLOYMENTS['aio']} | 4,000 |" in text
    assert "| 3 | falcon |  | 1,500 |" in text
