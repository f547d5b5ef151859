from __future__ import annotations

import json
import re
from typing import Any

import pytest

from lab.analysis.history import History, build_history
from lab.report.historypage import render_history
from lab.report.historytext import overview, series_text, step_line, when
from tests.unit.runs import FIXTURE, history_run

BASE_RUN: dict[str, Any] = json.loads((FIXTURE / "run.json").read_text())
STEPPED = [12000, 12240, 11900, 10200, 10350, 10100]


@pytest.fixture(scope="module")
def history() -> History:
    """aio steps 15% down after the third run; flask moves to another host after it."""
    xeon = json.loads(json.dumps(BASE_RUN["provenance"]))
    xeon["host"]["cpu_model"] = "Intel Xeon <E5>"
    runs = [
        history_run(n, {"aio": aio, "flask": 2700 + 20 * (n % 2)}) for n, aio in enumerate(STEPPED)
    ]
    runs.append(history_run(6, {"flask": 2100}, provenance=xeon))
    runs.append(history_run(7, {"flask": 2120}, provenance=xeon))
    return build_history(runs, "results & <old>")


@pytest.fixture(scope="module")
def page(history: History) -> str:
    return render_history(history)


def test_the_page_is_self_contained(page: str) -> None:
    assert page.startswith("<!doctype html>")
    assert "<script" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert not re.search(r"<link\b", page)


def test_every_string_from_the_runs_is_escaped(page: str) -> None:
    assert "<h1>results &amp; &lt;old&gt;</h1>" in page
    assert "Intel Xeon &lt;E5&gt;" in page
    assert "<E5>" not in page


def test_the_steps_table_names_the_runs_on_both_sides_and_the_size(page: str) -> None:
    table = page[page.index('<section id="steps">') : page.index('<section id="method">')]
    assert "20261201-020000-default-0002 (2026-12-01 02:00)" in table
    assert "20261201-030000-default-0003 (2026-12-01 03:00)" in table
    assert re.search(r'<td class="size">-1[45]\.\d%</td>', table)
    assert "12,0" in table and "over 3 runs" in table


def test_each_cell_has_its_chart_and_its_runs(page: str, history: History) -> None:
    for n, cell in enumerate(history.cells, start=1):
        figure = re.search(rf'<figure class="chart" id="history-{n}">(.*?)</figure>', page, re.S)
        assert figure is not None
        assert f"<strong>{cell.name}</strong>" in figure.group(1)
        assert re.search(r"<svg\b", figure.group(1))
        # Ids are prefixed per chart, so no two charts share one.
        assert 'id="history-' + str(n) + "-" in figure.group(1)
    assert page.count("<details>") == len(history.cells)


def test_a_new_host_is_named_as_what_sets_the_series_apart(history: History) -> None:
    flask = next(cell for cell in history.cells if cell.cell.app == "flask")
    assert [len(series.points) for series in flask.series] == [6, 2]
    text = series_text(flask.series[1])
    assert text.startswith("series 2: 2 runs, spread between runs")
    assert text.endswith("set apart by host CPU model AMD EPYC → Intel Xeon <E5>")
    assert flask.series[0].steps == ()


def test_no_step_is_said_in_words() -> None:
    runs = [history_run(n, {"aio": 12000 + 30 * (n % 2)}) for n in range(4)]
    quiet = build_history(runs, "results")
    assert "<p>No step in any series" in render_history(quiet)
    assert overview(quiet) == "4 runs from 2026-12-01 00:00 to 2026-12-01 03:00, 1 cell, 0 steps"


def test_a_step_reads_as_one_line(history: History) -> None:
    [step] = history.steps
    line = step_line(step)
    assert line.startswith("aio hello @200: -1")
    assert "between 20261201-020000-default-0002 (2026-12-01 02:00) and" in line
    assert "req/s over 3 runs, then" in line


def test_a_date_is_shown_to_the_minute() -> None:
    assert when("2026-12-01T10:00:59.123+00:00") == "2026-12-01 10:00"
    assert when(None) == "date unknown"
