from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from lab.analysis.history import History, build_history, log_se
from lab.analysis.historyjson import history_json
from lab.analysis.runs import load_run
from lab.results.comparisondoc import Difference
from lab.results.costdoc import FIGURES, CellCost, CostFigure
from lab.results.reader import RunData
from lab.results.summarydoc import Summary, SummaryCell
from tests.unit.runs import FIXTURE, history_run, summary_cell

BASE_RUN: dict[str, Any] = json.loads((FIXTURE / "run.json").read_text())
# aio hello run after run: 2% apart, 15% down from the fourth run on.
STEPPED = [12000, 12240, 11900, 10200, 10350, 10100]
STEADY = [2700, 2650, 2730, 2690, 2660, 2710]


def _history(runs: list[RunData], apps: tuple[str, ...] = ()) -> History:
    return build_history(runs, "results", apps)


def _provenance(**host: Any) -> dict[str, Any]:
    provenance = json.loads(json.dumps(BASE_RUN["provenance"]))
    provenance["host"].update(host)
    return provenance


def test_a_step_is_listed_between_the_runs_on_both_sides() -> None:
    runs = [
        history_run(n, {"aio": aio, "flask": flask})
        for n, (aio, flask) in enumerate(zip(STEPPED, STEADY, strict=True))
    ]
    history = _history(runs)
    [step] = history.steps
    assert step.name == "aio hello @200"
    assert (step.before.run.run_id, step.after.run.run_id) == (runs[2].run_id, runs[3].run_id)
    assert step.size == pytest.approx(-0.15, abs=0.01)
    assert (step.old.runs, step.new.runs) == (3, 3)
    assert step.old.rps == pytest.approx(12045, rel=0.01)
    assert step.also_changed == ()


def test_the_runs_are_taken_in_the_order_they_were_made() -> None:
    runs = [history_run(n, {"aio": aio}) for n, aio in enumerate(STEPPED)]
    history = _history(list(reversed(runs)))
    assert [run.run_id for run in history.runs] == [run.run_id for run in runs]
    assert history.steps[0].after.run.run_id == runs[3].run_id


def test_another_host_is_another_series_not_a_step() -> None:
    xeon = _provenance(cpu_model="Intel Xeon")
    runs = [history_run(n, {"aio": 12000 + 50 * (n % 2)}) for n in range(3)]
    runs += [history_run(n, {"aio": 9000 + 50 * (n % 2)}, provenance=xeon) for n in range(3, 6)]
    [cell] = _history(runs).cells
    first, second = cell.series
    assert [len(s.points) for s in cell.series] == [3, 3]
    assert second.breaks == (Difference("host CPU model", "AMD EPYC", "Intel Xeon"),)
    assert first.steps == () and second.steps == ()


def test_runs_interleaved_on_two_placements_keep_to_their_own_series() -> None:
    placement = json.loads(json.dumps(BASE_RUN["placement"]))
    placement["app"]["cpuset"] = "0"
    runs = [
        history_run(n, {"aio": 12000 + 40 * n}, **({"placement": placement} if n % 2 else {}))
        for n in range(8)
    ]
    [cell] = _history(runs).cells
    assert [[p.run.run_id for p in s.points] for s in cell.series] == [
        [run.run_id for run in runs[0::2]],
        [run.run_id for run in runs[1::2]],
    ]


def test_a_new_load_generator_parts_every_series() -> None:
    provenance = json.loads(json.dumps(BASE_RUN["provenance"]))
    provenance["images"]["wrk"]["tag"] = "lab/wrk:0123456789abcdef"
    runs = [history_run(n, {"aio": 12000, "flask": 2700}) for n in range(3)]
    runs += [
        history_run(n, {"aio": 12000, "flask": 2700}, provenance=provenance) for n in range(3, 6)
    ]
    series = {cell.cell.app: cell.series for cell in _history(runs).cells}
    assert len(series["aio"]) == 2 and len(series["flask"]) == 2
    assert series["aio"][1].breaks[0].what == "image wrk tag"


def test_a_new_image_of_the_app_is_a_step_when_it_moved_the_figure_and_says_so() -> None:
    """The app's code changed between runs 3 and 4: the history is there to see it."""
    provenance = json.loads(json.dumps(BASE_RUN["provenance"]))
    provenance["images"]["aio"]["tag"] = "lab/aio:0123456789abcdef"
    runs = [history_run(n, {"aio": aio, "flask": 2700}) for n, aio in enumerate(STEPPED[:3])]
    runs += [
        history_run(n, {"aio": aio, "flask": 2700}, provenance=provenance)
        for n, aio in enumerate(STEPPED[3:], start=3)
    ]
    series = {cell.cell.app: cell.series for cell in _history(runs).cells}
    assert len(series["aio"]) == 1 and len(series["flask"]) == 1
    [step] = _history(runs).steps
    assert step.cell.app == "aio"
    assert [d.what for d in step.also_changed] == ["image aio tag"]


def test_a_run_that_did_not_record_a_fact_stays_in_the_series() -> None:
    old = json.loads(json.dumps(BASE_RUN["provenance"]))
    del old["host"]
    runs = [
        history_run(0, {"aio": 12000}, provenance=old),
        *(history_run(n, {"aio": 12000}) for n in (1, 2)),
    ]
    [cell] = _history(runs).cells
    assert len(cell.series) == 1 and len(cell.series[0].points) == 3


def test_what_else_changed_at_a_step_leaves_out_the_other_apps_and_the_matrix() -> None:
    provenance = json.loads(json.dumps(BASE_RUN["provenance"]))
    provenance["engine"]["version"] = "24.0.7"
    provenance["images"]["flask"]["id"] = "sha256:" + "f" * 64
    parameters = {**BASE_RUN["parameters"], "apps": ["aio", "flask", "django"]}
    runs = [history_run(n, {"aio": aio, "flask": 2700}) for n, aio in enumerate(STEPPED[:3])]
    runs += [
        history_run(n, {"aio": aio, "flask": 2700}, provenance=provenance, parameters=parameters)
        for n, aio in enumerate(STEPPED[3:], start=3)
    ]
    [step] = _history(runs).steps
    assert step.also_changed == (Difference("engine version", "20.10.24+dfsg1", "24.0.7"),)


def test_only_the_apps_asked_for_are_followed() -> None:
    runs = [history_run(n, {"aio": 12000, "flask": 2700}) for n in range(3)]
    assert [cell.name for cell in _history(runs, ("flask",)).cells] == ["flask hello @200"]


def test_a_runs_interval_is_a_standard_error_of_its_log() -> None:
    cell = summary_cell("aio", 1000.0, half=0.1)
    assert log_se(cell) == pytest.approx(math.log(1.1 / 0.9) / (2 * 1.959964), rel=1e-4)
    without = SummaryCell("aio", "hello", 200, 1, 0, (1000.0,), 1000.0)
    assert log_se(without) is None


def test_a_run_without_an_interval_is_weighed_as_a_typical_one() -> None:
    runs = [history_run(n, {"aio": aio}) for n, aio in enumerate(STEPPED)]
    lone = SummaryCell("aio", "hello", 200, 1, 0, (10000.0,), 10000.0)
    runs.append(RunData(Path("x"), history_run(6, {}).run, (), Summary(("aio",), (lone,))))
    [series] = _history(runs).cells[0].series
    assert series.points[-1].log_se is None
    assert [step.after.run.run_id for step in series.steps] == [runs[3].run_id]


def test_the_golden_run_of_an_older_version_reads_as_a_history_of_one() -> None:
    run = load_run(FIXTURE)
    history = build_history([run], str(FIXTURE.parent))
    assert [cell.name for cell in history.cells] == [
        "flask hello @200",
        "aio hello @200",
        "flask hit @200",
        "aio hit @200",
    ]
    point = history.cells[1].series[0].points[0]
    assert point.rps_median == run.summary.cells[1].rps_median
    assert point.rps_ci == run.summary.cells[1].rps_ci
    assert history.steps == ()


def test_the_json_keeps_the_raw_figures_beside_the_derived_ones() -> None:
    runs = [history_run(n, {"aio": aio}) for n, aio in enumerate(STEPPED)]
    document = history_json(_history(runs))
    assert (document["kind"], document["schema_version"]) == ("lab.history", 1)
    [step] = document["steps"]
    assert (step["before"]["run_id"], step["after"]["run_id"]) == (runs[2].run_id, runs[3].run_id)
    assert step["size_pct"] == pytest.approx(-15, abs=1)
    assert (step["old"]["runs"], step["new"]["runs"]) == (3, 3)
    point = document["cells"][0]["series"][0]["points"][3]
    assert point["rps_median"] == 10200
    assert point["rps_ci"]["level"] == 0.95
    assert point["rps_geomean"] == pytest.approx(10098)
    assert point["log_value"] == pytest.approx(math.log(10200))
    assert point["piece"] == 1
    assert "5 ln n" in document["method"]["search"]
    json.dumps(document)  # every value is JSON


def test_each_point_carries_its_runs_cost_and_a_run_from_before_none() -> None:
    figures: dict[str, CostFigure | None] = dict.fromkeys(FIGURES)
    figures["cpu_ms_per_request"] = CostFigure(0.25, None, (0.25,))
    figures["memory_peak_mib"] = CostFigure(52.0, None, (52.0,))
    runs = [history_run(n, {"aio": aio}) for n, aio in enumerate(STEPPED)]
    last = runs[-1]
    (cell,) = last.summary.cells
    costly = replace(cell, cost=CellCost(figures))
    runs[-1] = replace(last, summary=replace(last.summary, cells=(costly,)))
    points = history_json(_history(runs))["cells"][0]["series"][0]["points"]
    assert points[0]["cost"] is None
    assert points[-1]["cost"]["cpu_ms_per_request"] == 0.25
    assert points[-1]["cost"]["memory_peak_mib"] == 52.0
    assert points[-1]["cost"]["worker_mib"] is None
