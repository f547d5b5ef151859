from __future__ import annotations

from lab.report.ranking import MAX_COLUMNS, ranked, ranked_headline, ranking_lines, rankings
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
