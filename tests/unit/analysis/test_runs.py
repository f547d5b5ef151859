from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lab.analysis.runs import find_runs, load_run
from lab.errors import EXIT_USAGE, UsageError
from lab.model.cell import Cell
from lab.results.reader import is_run_folder
from tests.unit.fixtures import failed_trial, trial
from tests.unit.runs import FIXTURE, copy_fixture, write_run


def _edit(path: Path, change: Any) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def _problem(run_dir: Path) -> str:
    with pytest.raises(UsageError) as caught:
        load_run(run_dir)
    assert caught.value.exit_code == EXIT_USAGE
    return caught.value.message


def test_the_real_run_loads_with_every_trial() -> None:
    data = load_run(FIXTURE)
    assert data.run_id == "20261125-011311-default-fea1"
    assert data.status == "complete"
    assert data.apps == ["flask", "aio"]
    assert (len(data.records), data.ok, data.planned) == (20, 19, 20)
    assert [r.index for r in data.failed_records] == [19]
    assert [r.index for r in data.records] == list(range(1, 21))
    assert data.notes == [
        "redis shares CPU 0 with wrk: the host has 2 CPUs, a disjoint placement needs 3"
    ]
    assert not data.summary_recomputed


def test_run_json_that_is_not_json_is_named_with_its_line(tmp_path: Path) -> None:
    run_dir = copy_fixture(tmp_path / "run")
    (run_dir / "run.json").write_text('{\n  "schema_version": 1,\n  "kind" "lab.run"\n}')
    assert _problem(run_dir) == (
        f"{run_dir}/run.json: not valid JSON at line 3 (Expecting ':' delimiter)"
    )


def test_a_newer_schema_version_is_refused(tmp_path: Path) -> None:
    run_dir = copy_fixture(tmp_path / "run")
    _edit(run_dir / "run.json", lambda run: run.update(schema_version=2))
    assert _problem(run_dir) == f"{run_dir}/run.json: schema_version 2, this lab reads 1"


def test_a_newer_summary_schema_is_refused(tmp_path: Path) -> None:
    run_dir = copy_fixture(tmp_path / "run")
    _edit(run_dir / "summary.json", lambda summary: summary.update(schema_version=6))
    expected = f"{run_dir}/summary.json: schema_version 6, this lab reads 1, 2, 3, 4, 5"
    assert _problem(run_dir) == expected


def test_a_missing_run_json_is_named(tmp_path: Path) -> None:
    run_dir = copy_fixture(tmp_path / "run")
    (run_dir / "run.json").unlink()
    assert _problem(run_dir) == f"{run_dir}/run.json: missing"


def test_a_folder_that_does_not_exist_is_named(tmp_path: Path) -> None:
    assert "no such run folder" in _problem(tmp_path / "nowhere")


def test_a_damaged_trial_file_is_named(tmp_path: Path) -> None:
    run_dir = copy_fixture(tmp_path / "run")
    (run_dir / "trials" / "0003.json").write_text('{"schema_version": 1,')
    assert _problem(run_dir).startswith(f"{run_dir}/trials/0003.json: not valid JSON at line 1")


def test_a_trial_with_a_wrong_value_names_file_and_key(tmp_path: Path) -> None:
    run_dir = copy_fixture(tmp_path / "run")
    _edit(run_dir / "trials" / "0007.json", lambda trial: trial.update(connections="200"))
    problem = _problem(run_dir)
    assert problem.startswith(f"{run_dir}/trials/0007.json:")
    assert "'connections'" in problem


def test_a_summary_cell_of_the_wrong_type_names_the_key(tmp_path: Path) -> None:
    run_dir = copy_fixture(tmp_path / "run")
    _edit(run_dir / "summary.json", lambda s: s["cells"][1].update(rps_median="fast"))
    problem = _problem(run_dir)
    assert problem.startswith(f"{run_dir}/summary.json: key 'cells[1].rps_median'")


def test_a_summary_interval_must_be_two_numbers(tmp_path: Path) -> None:
    run_dir = copy_fixture(tmp_path / "run")
    _edit(run_dir / "summary.json", lambda s: s["ratios"][0].update(ci95=[1.0]))
    assert _problem(run_dir) == (
        f"{run_dir}/summary.json: key 'ratios[0].ci95' is not a pair of numbers: [1.0]"
    )


@pytest.mark.parametrize(
    ("file", "change", "problem"),
    [
        ("run.json", lambda run: run.pop("parameters"), "missing key 'parameters'"),
        ("run.json", lambda run: run.update(kind="other"), "kind 'other', expected 'lab.run'"),
        ("run.json", lambda run: run.update(plan=[1]), "key 'plan[0]' is not an object"),
        (
            "summary.json",
            lambda s: s["cells"][0]["cpu"].update(app=3),
            "key 'cells[0].cpu.app' has the wrong type: 3",
        ),
        (
            "summary.json",
            lambda s: s["cells"][0]["latency_us"].update(p50="x"),
            "key 'cells[0].latency_us.p50' is not a number: 'x'",
        ),
        (
            "trials/0001.json",
            lambda trial: trial.update(index=True),
            "key 'index' has the wrong type: True",
        ),
    ],
)
def test_every_damaged_key_is_named_with_its_file_and_path(
    tmp_path: Path, file: str, change: Any, problem: str
) -> None:
    run_dir = copy_fixture(tmp_path / "run")
    _edit(run_dir / file, change)
    with pytest.raises(UsageError) as caught:
        load_run(run_dir)
    assert caught.value.message == f"{run_dir}/{file}: {problem}"
    assert caught.value.hint == "the file is damaged"


def test_a_newer_trial_file_says_which_lab_reads_it(tmp_path: Path) -> None:
    run_dir = copy_fixture(tmp_path / "run")
    _edit(run_dir / "trials" / "0001.json", lambda trial: trial.update(schema_version=2))
    with pytest.raises(UsageError) as caught:
        load_run(run_dir)
    assert caught.value.message == f"{run_dir}/trials/0001.json: schema_version 2, this lab reads 1"
    assert caught.value.hint == "read it with the lab version that wrote it"


def test_a_summary_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    run_dir = copy_fixture(tmp_path / "run")
    (run_dir / "summary.json").write_text("[]")
    assert _problem(run_dir) == f"{run_dir}/summary.json: expected a JSON object, found list"


def test_an_interrupted_run_gets_its_summary_recomputed(tmp_path: Path) -> None:
    run_dir = copy_fixture(tmp_path / "run")
    (run_dir / "summary.json").unlink()
    data = load_run(run_dir)
    original = json.loads((FIXTURE / "summary.json").read_text())
    assert data.summary_recomputed
    # Recomputed by today's statistics (schema 3): the same trials, medians and spreads,
    # with today's intervals in place of the bootstrap's, and the largest of the trials'
    # latency maxima in place of their median.
    kept = ("app", "scenario", "connections", "trials", "failed", "rps", "rps_median", "cv")
    kept += ("errors", "cpu")
    recomputed = data.summary.to_dict()["cells"]
    assert [{k: c[k] for k in kept} for c in recomputed] == [
        {k: c[k] for k in kept} for c in original["cells"]
    ]
    for cell, before in zip(recomputed, original["cells"], strict=True):
        percentiles = {k: v for k, v in cell["latency_us"].items() if k != "max"}
        assert percentiles == {k: v for k, v in before["latency_us"].items() if k != "max"}
        maxima = [
            r.latency_us.max for r in data.records if r.cell == Cell(*[cell[k] for k in kept[:3]])
        ]
        assert cell["latency_us"]["max"] == max(maxima) >= before["latency_us"]["max"]
    assert all(c["rps_ci"]["method"] == "order statistics (binomial)" for c in recomputed)
    # Its trials pair by round: the ratios are blocked.
    ratios = data.summary.to_dict()["ratios"]
    assert [r["estimator"] for r in ratios] == ["per-round log ratios (blocked by round)"] * 2
    assert [r["pairs"] for r in ratios] == [5, 4]  # one hit trial failed: its round pairs none


def test_no_summary_and_no_trials_is_damaged(tmp_path: Path) -> None:
    run_dir = write_run(tmp_path / "run", [], with_summary=False)
    assert "summary.json: missing, and there are no trials" in _problem(run_dir)


def test_a_run_still_starting_has_an_empty_summary(tmp_path: Path) -> None:
    run_dir = write_run(tmp_path / "run", [], with_summary=False, status="running")
    data = load_run(run_dir)
    assert data.summary.cells == ()
    assert data.ok == 0


def test_planned_falls_back_to_the_plan_when_the_run_has_no_counts(tmp_path: Path) -> None:
    records = [trial(1), failed_trial(2)]
    run_dir = write_run(tmp_path / "run", records, plan=[{}, {}, {}], status="running")
    _edit(run_dir / "run.json", lambda run: run.pop("trials"))
    data = load_run(run_dir)
    assert (data.planned, data.ok, len(data.failed_records)) == (3, 1, 1)


def test_find_runs_lists_newest_first_and_skips_what_is_not_a_run(tmp_path: Path) -> None:
    out = tmp_path / "results"
    out.mkdir()
    copy_fixture(out / "20261125-011311-default-fea1")
    write_run(out / "20261126-090000-quick-abcd", [trial(1), trial(2, app="aio")])
    (out / "plots").mkdir()
    (out / "README.txt").write_text("not a run")
    damaged = copy_fixture(out / "20261124-000000-default-dead")
    (damaged / "run.json").write_text("{")

    listings = find_runs(out)

    assert [listing.path.name for listing in listings] == [
        "20261126-090000-quick-abcd",
        "20261125-011311-default-fea1",
        "20261124-000000-default-dead",
    ]
    assert listings[0].data is not None and listings[0].problem is None
    assert listings[2].data is None
    assert listings[2].problem is not None
    assert listings[2].problem.startswith(f"{damaged}/run.json: not valid JSON at line 1")
    assert not is_run_folder(out / "plots")


def test_find_runs_names_a_missing_results_folder(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"--out .*nowhere: no such folder"):
        find_runs(tmp_path / "nowhere")
