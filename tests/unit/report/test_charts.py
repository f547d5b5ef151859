from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import matplotlib
import pytest

from lab.analysis.runs import load_run
from lab.analysis.summary import build_summary
from lab.report import charts
from lab.results.reader import RunData
from lab.results.records import TrialRecord
from lab.results.rundoc import RunDocument
from lab.results.summarydoc import Summary, SummaryCell
from tests.unit.fixtures import cpu, failed_trial, trial
from tests.unit.runs import FIXTURE

Chart = Callable[[RunData], str]

CHARTS: dict[str, Chart] = {
    "rps": lambda run: charts.rps_chart(run.summary, run.records),
    "latency": lambda run: charts.latency_chart(run.summary, run.records),
    "cpu": lambda run: charts.cpu_chart(run.summary),
}


@pytest.fixture(scope="module")
def run() -> RunData:
    return load_run(FIXTURE)


@pytest.fixture(scope="module")
def rendered(run: RunData) -> dict[str, str]:
    return {name: chart(run) for name, chart in CHARTS.items()}


@pytest.mark.parametrize("name", CHARTS)
def test_a_chart_is_inline_svg_with_drawn_paths_and_no_prolog(
    rendered: dict[str, str], name: str
) -> None:
    svg = rendered[name]
    assert svg.startswith("<svg ")
    assert svg.endswith("</svg>")
    assert "<?xml" not in svg and "<!DOCTYPE" not in svg
    assert svg.count("<path") > 10
    assert "<title>" in svg and 'role="img"' in svg


@pytest.mark.parametrize("name", CHARTS)
def test_a_chart_refers_to_nothing_outside_itself(rendered: dict[str, str], name: str) -> None:
    svg = rendered[name]
    assert "http://" not in svg and "https://" not in svg
    assert "<metadata>" not in svg
    # References stay inside the chart: to its own prefixed ids only.
    for target in re.findall(r'href="([^"]*)"', svg) + re.findall(r"url\(([^)]*)\)", svg):
        assert target.startswith(f"#{name}-"), target


@pytest.mark.parametrize("name", CHARTS)
def test_a_chart_keeps_its_text_as_text(rendered: dict[str, str], name: str) -> None:
    svg = rendered[name]
    assert "<text" in svg
    for label in ("flask", "aio", "hello @200 connections", "hit @200 connections"):
        assert label in svg


def test_ids_are_unique_across_the_charts_of_one_page(rendered: dict[str, str]) -> None:
    ids = Counter(re.findall(r'\bid="([^"]+)"', "".join(rendered.values())))
    assert ids
    assert [name for name, count in ids.items() if count > 1] == []


@pytest.mark.parametrize("name", CHARTS)
def test_the_same_data_draws_the_same_bytes(
    run: RunData, rendered: dict[str, str], name: str
) -> None:
    assert CHARTS[name](run) == rendered[name]


def test_drawing_leaves_matplotlib_settings_alone(run: RunData) -> None:
    # copy(), not dict(): reading "backend" through [] would import pyplot to resolve it.
    before = matplotlib.rcParams.copy()
    pyplot_loaded = "matplotlib.pyplot" in sys.modules  # by another test, perhaps
    charts.cpu_chart(run.summary)
    assert matplotlib.rcParams.copy() == before
    assert pyplot_loaded or "matplotlib.pyplot" not in sys.modules


def test_the_rps_chart_shows_the_median_values(rendered: dict[str, str]) -> None:
    for median in ("2,675", "11,998", "1,403", "2,737"):
        assert median in rendered["rps"]


def test_the_cpu_chart_labels_each_share(rendered: dict[str, str]) -> None:
    # Medians from the fixture's summary: wrk 18% and 37% on hello, redis 6% and 9% on hit.
    for share in (">18%<", ">37%<", ">6%<", ">9%<"):
        assert share in rendered["cpu"]


def _synthetic(records: list[TrialRecord], scenarios: list[str]) -> RunData:
    summary = build_summary(records, ["flask", "aio"], scenarios)
    run = RunDocument(run_id="synthetic", status="complete", parameters={})
    return RunData(Path("synthetic"), run, tuple(records), summary)


def test_a_failed_trial_with_a_rate_is_drawn_apart() -> None:
    ok = [trial(n, rps=1000 + n) for n in range(1, 4)]
    with_failed = _synthetic([*ok, failed_trial(4)], ["hello"])
    without = _synthetic(ok, ["hello"])
    # failed_trial has no rate: nothing more to draw; a failed trial with one adds a cross.
    plain = charts.rps_chart(without.summary, without.records)
    assert charts.rps_chart(with_failed.summary, with_failed.records) == plain
    drawn = _synthetic([*ok, replace(failed_trial(4), rps=900.0)], ["hello"])
    assert charts.rps_chart(drawn.summary, drawn.records) != plain


def test_many_blocks_wrap_into_rows_of_three() -> None:
    records = [
        trial(
            n * 10 + k, app=app, scenario=scenario, connections=level, rps=900 + k, cpu_app=cpu(0.9)
        )
        for n, (scenario, level) in enumerate(
            [("hello", 64), ("hello", 200), ("hit", 64), ("hit", 200)]
        )
        for k, app in enumerate(["flask", "aio"])
    ]
    run = _synthetic(records, ["hello", "hit"])
    one_row = _synthetic(records[:6], ["hello", "hit"])
    tall, short = charts.cpu_chart(run.summary), charts.cpu_chart(one_row.summary)
    assert _height(tall) > 1.8 * _height(short)
    assert "hit @200 connections" in tall


def _height(svg: str) -> float:
    found = re.search(r'height="([\d.]+)pt"', svg)
    assert found is not None
    return float(found.group(1))


def test_has_data_needs_an_ok_trial() -> None:
    assert charts.has_data(_synthetic([trial(1)], ["hello"]).summary)
    assert not charts.has_data(_synthetic([failed_trial(1)], ["hello"]).summary)
    assert not charts.has_data(Summary(apps=(), cells=()))


def test_eleven_apps_each_get_their_own_colour_and_line_style() -> None:
    styles = [charts.app_style(n) for n in range(11)]
    assert len(set(styles)) == 11
    first = charts.APP_COLOURS[0]
    assert styles[0] == (first, "-") and styles[7] == (first, "--")


def test_the_cost_chart_draws_req_s_against_cpu_per_request_and_nothing_without_cost() -> None:
    from lab.report.costchart import cost_chart, has_cost
    from lab.results.costdoc import FIGURES, CellCost, CostFigure

    figures: dict[str, CostFigure | None] = dict.fromkeys(FIGURES)
    figures["cpu_ms_per_request"] = CostFigure(0.25, None, (0.25,))
    figures["memory_peak_mib"] = CostFigure(52.0, None, (52.0,))
    cell = SummaryCell("aio", "hello", 200, 1, 0, (4000.0,), rps_median=4000.0)
    costly = Summary(apps=("aio",), cells=(replace(cell, cost=CellCost(figures)),))
    svg = cost_chart(costly)
    assert has_cost(costly) and svg.startswith("<svg")
    assert "aio 52 MiB" in svg and 'aria-label="Requests per second against' in svg
    old = Summary(apps=("aio",), cells=(cell,))
    assert not has_cost(old) and cost_chart(old) == ""
