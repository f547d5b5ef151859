# The verdict line prints en dashes and multiplication signs; expected text spells them.
# ruff: noqa: RUF001

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from lab.analysis.compare import (
    Calibration,
    Comparison,
    compare_runs,
    comparison_json,
    provenance_differences,
)
from lab.analysis.comparetext import comparison_lines
from lab.analysis.runs import load_run
from lab.analysis.summary import build_summary
from lab.results.reader import RunData
from lab.results.records import TrialRecord
from lab.results.rundoc import RunDocument
from tests.unit.fixtures import trial
from tests.unit.runs import FIXTURE

BASE_RUN: dict[str, Any] = json.loads((FIXTURE / "run.json").read_text())
STEADY = [1000, 1004, 996, 1002, 998]  # CV 0.3%
NOISY = [1000, 940, 1060, 1030, 970]  # CV 4.7%


def _run(
    name: str,
    cells: Mapping[tuple[str, str], Sequence[float]],
    **changes: Any,
) -> RunData:
    """A run in memory: one ok trial per value, cells keyed by (app, scenario) at 200."""
    records: list[TrialRecord] = []
    for (app, scenario), values in cells.items():
        for value in values:
            records.append(trial(len(records) + 1, app=app, scenario=scenario, rps=int(value)))
    summary = build_summary(records, ["flask", "aio"], ["hello", "hit"])
    run = RunDocument.from_dict({**BASE_RUN, "run_id": name, **changes})
    return RunData(Path(name), run, tuple(records), summary)


def _scaled(values: Sequence[float], factor: float) -> list[float]:
    return [round(value * factor) for value in values]


def _only(comparison: Comparison) -> Any:
    [cell] = comparison.cells
    return cell


def test_identical_runs_show_no_difference() -> None:
    cells = {("flask", "hello"): NOISY, ("aio", "hello"): STEADY}
    comparison = compare_runs(_run("a", cells), _run("b", cells))
    assert [cell.verdict for cell in comparison.cells] == ["no difference"] * 2
    assert [cell.ratio for cell in comparison.cells] == [1.0, 1.0]
    assert [cell.p_value for cell in comparison.cells] == [1.0, 1.0]
    assert comparison.differences == ()
    assert (comparison.verdict, comparison.exit_code, comparison.problem) == (
        "no difference",
        0,
        None,
    )


def test_a_twenty_percent_drop_is_a_regression() -> None:
    a = _run("a", {("flask", "hello"): STEADY})
    b = _run("b", {("flask", "hello"): [800, 803, 797, 802, 798]})
    comparison = compare_runs(a, b, threshold_pct=5)
    cell = _only(comparison)
    assert cell.verdict == "regressed"
    assert cell.ratio == pytest.approx(0.8, abs=1e-4)
    assert cell.change_pct == pytest.approx(-20.0, abs=0.01)
    assert cell.ci is not None
    assert cell.ci.low > 0.79 and cell.ci.high < 0.81
    assert cell.ci.level == 0.95
    assert cell.test == "Welch t on log req/s"
    # One cell: Holm leaves its p as it is. The Mann-Whitney p could not go below 2/252.
    assert cell.p_value is not None and cell.p_value < 1e-9
    assert cell.p_adjusted == cell.p_value
    assert (comparison.verdict, comparison.exit_code) == ("regressed", 1)


def test_a_one_percent_drop_inside_the_noise_is_no_difference() -> None:
    a = _run("a", {("flask", "hello"): NOISY})
    b = _run("b", {("flask", "hello"): _scaled(NOISY, 0.99)})
    comparison = compare_runs(a, b)
    cell = _only(comparison)
    assert cell.ratio == pytest.approx(0.99, abs=1e-4)
    assert cell.ci is not None and cell.ci.contains(1.0)
    assert cell.p_value > 0.5
    assert (cell.verdict, comparison.exit_code) == ("no difference", 0)


def test_a_twenty_percent_gain_is_an_improvement_and_exits_zero() -> None:
    a = _run("a", {("aio", "hit"): STEADY})
    b = _run("b", {("aio", "hit"): _scaled(STEADY, 1.2)})
    comparison = compare_runs(a, b)
    assert (_only(comparison).verdict, comparison.verdict, comparison.exit_code) == (
        "improved",
        "improved",
        0,
    )


def test_a_clear_change_below_the_threshold_does_not_count() -> None:
    a = _run("a", {("flask", "hello"): STEADY})
    b = _run("b", {("flask", "hello"): _scaled(STEADY, 0.97)})
    strict, loose = compare_runs(a, b, threshold_pct=5), compare_runs(a, b, threshold_pct=2)
    assert _only(strict).ci.high < 1  # type: ignore[union-attr]  # the interval excludes 1...
    assert _only(strict).verdict == "no difference"  # ...but 3% is under 5%
    assert _only(loose).verdict == "regressed"
    assert loose.exit_code == 1


def test_one_regressed_cell_fails_the_whole_comparison() -> None:
    a = _run("a", {("flask", "hello"): STEADY, ("aio", "hello"): STEADY})
    b = _run("b", {("flask", "hello"): STEADY, ("aio", "hello"): _scaled(STEADY, 0.5)})
    comparison = compare_runs(a, b)
    assert [cell.verdict for cell in comparison.cells] == ["no difference", "regressed"]
    assert comparison.exit_code == 1
    assert comparison_lines(comparison)[-1] == (
        "verdict: regressed, 1 of 2 cells regressed: aio hello @200 0.50× – exit 1"
    )


def test_a_cell_with_two_trials_is_not_comparable() -> None:
    a = _run("a", {("flask", "hello"): STEADY, ("aio", "hello"): STEADY})
    b = _run("b", {("flask", "hello"): STEADY, ("aio", "hello"): [1000, 1001]})
    comparison = compare_runs(a, b)
    assert comparison.exit_code == 2
    assert comparison.verdict == "not comparable"
    assert comparison.problem == (
        "aio hello @200: 2 ok trials in B, too few for the test (it needs 3 a side)"
    )
    assert [cell.verdict for cell in comparison.cells] == ["no difference", "not comparable"]


def test_runs_without_a_common_cell_are_not_comparable() -> None:
    a = _run("a", {("flask", "hello"): STEADY})
    b = _run("b", {("flask", "hit"): STEADY})
    comparison = compare_runs(a, b)
    assert comparison.exit_code == 2
    assert comparison.problem == "no common cell: A has flask hello @200, B has flask hit @200"
    assert (comparison.only_in_a, comparison.only_in_b) == (
        ("flask hello @200",),
        ("flask hit @200",),
    )


def test_provenance_differences_are_listed() -> None:
    provenance = json.loads(json.dumps(BASE_RUN["provenance"]))
    provenance["images"]["aio"]["id"] = "sha256:" + "f" * 64
    provenance["host"]["cpu_model"] = "Intel Xeon"
    provenance["engine"]["version"] = "27.0.1"
    placement = json.loads(json.dumps(BASE_RUN["placement"]))
    placement["app"]["cpuset"] = "2-3"
    parameters = {**BASE_RUN["parameters"], "duration_s": 10.0, "out": "elsewhere"}
    cells = {("flask", "hello"): STEADY}
    a = _run("a", cells)
    b = _run("b", cells, provenance=provenance, placement=placement, parameters=parameters)

    differences = {d.what: (d.a, d.b) for d in provenance_differences(a, b)}

    assert differences == {
        "image aio ID": (BASE_RUN["provenance"]["images"]["aio"]["id"], "sha256:" + "f" * 64),
        "host CPU model": ("AMD EPYC", "Intel Xeon"),
        "placement app cpuset": ("1", "2-3"),
        "engine version": ("20.10.24+dfsg1", "27.0.1"),
        "parameter duration_s": (8.0, 10.0),
    }
    lines = comparison_lines(compare_runs(a, b))
    assert "  image aio ID: sha256:c562869ee51a -> sha256:ffffffffffff" in lines
    assert "  parameter duration_s: 8.0 -> 10.0" in lines


def test_the_json_has_an_entry_per_cell_and_the_overall_verdict() -> None:
    a = _run("a", {("flask", "hello"): STEADY})
    b = _run("b", {("flask", "hello"): [800, 803, 797, 802, 798]}, parameters={})
    data = comparison_json(compare_runs(a, b))
    json.dumps(data)  # plain JSON types only
    assert (data["verdict"], data["exit_code"], data["reason"]) == ("regressed", 1, None)
    [cell] = data["cells"]
    assert list(cell)[:9] == [
        "app",
        "scenario",
        "connections",
        "median_a",
        "median_b",
        "ratio",
        "ci",
        "test",
        "p_value",
    ]
    assert (cell["app"], cell["scenario"], cell["connections"]) == ("flask", "hello", 200)
    assert (cell["median_a"], cell["median_b"]) == (1000.0, 800.0)
    assert cell["ci"]["level"] == 0.95
    assert cell["p_adjusted"] == cell["p_value"]
    assert data["alpha"] == 0.05
    assert {"what": "parameter preset", "a": "default", "b": None} in data["provenance_differences"]


def test_the_comparison_is_deterministic() -> None:
    a = _run("a", {("flask", "hello"): NOISY})
    b = _run("b", {("flask", "hello"): _scaled(NOISY, 0.9)})
    assert comparison_json(compare_runs(a, b)) == comparison_json(compare_runs(a, b))


def test_the_real_run_against_itself() -> None:
    run = load_run(FIXTURE)
    comparison = compare_runs(run, run)
    assert len(comparison.cells) == 4
    assert comparison.exit_code == 0
    lines = comparison_lines(comparison)
    assert lines[0] == "A: 20261125-011311-default-fea1"
    assert "the runs were made the same way (images, CPUs, placement, engine, flags)" in lines
    assert (
        lines[-1] == "verdict: no difference, no cell of 4 changed beyond the noise and 5% – exit 0"
    )


def test_ratios_are_normalised_by_the_calibration_of_each_run() -> None:
    # B's machine runs the fixed workload 1.25x as fast and serves 1.25x the requests:
    # raw, a 25% gain; normalised, the same.
    a = _run("a", {("aio", "hello"): STEADY}, calibration={"score": 40_000.0})
    b = _run(
        "b",
        {("aio", "hello"): _scaled(STEADY, 1.25)},
        calibration={"score": 50_000.0},
        provenance={**BASE_RUN["provenance"], "host": {"cpu_model": "a faster CPU"}},
    )
    comparison = compare_runs(a, b)
    assert comparison.calibration is not None
    assert comparison.calibration.factor == pytest.approx(1.25)
    assert "CPU models differ" in comparison.calibration.advice()
    text = "\n".join(comparison_lines(comparison))
    assert "raw 1.250×, normalised 1.000×" in text
    normalised = comparison_json(comparison)["calibration"]["normalised"][0]
    assert normalised["ratio"] == pytest.approx(1.0, abs=1e-3)


def _steady_pair_calibration(
    calibration_a: dict[str, Any], calibration_b: dict[str, Any]
) -> Calibration:
    """The calibration verdict on two runs that differ only in their calibrations."""
    a = _run("a", {("aio", "hello"): STEADY}, calibration=calibration_a)
    b = _run("b", {("aio", "hello"): STEADY}, calibration=calibration_b)
    calibration = compare_runs(a, b).calibration
    assert calibration is not None
    return calibration


def test_same_cpu_and_close_calibration_trusts_the_raw_ratios() -> None:
    calibration = _steady_pair_calibration({"score": 40_000.0}, {"score": 40_800.0})
    assert calibration.advice().endswith("trust the raw ratios")


@pytest.mark.parametrize(
    ("samples_b", "advice"),
    [
        # B ran the workload 0.92x as fast, but its own samples spread 9%: not a real gap.
        ([88_000, 84_000, 91_500], "no more than a run's own samples vary (9%): trust the raw"),
        # The same gap with steady samples is a slower machine: normalise.
        ([88_000, 87_500, 88_200], "prefer the normalised ratios"),
    ],
)
def test_a_calibration_gap_counts_only_beyond_the_calibrations_own_spread(
    samples_b: list[int], advice: str
) -> None:
    calibration = _steady_pair_calibration(
        {"score": 95_500.0, "samples": [95_000, 95_500, 96_000]},
        {"score": 87_860.0, "samples": samples_b},
    )
    assert calibration.factor == pytest.approx(0.92)
    assert advice in calibration.advice()


def test_without_a_calibration_only_raw_ratios_are_shown() -> None:
    a = _run("a", {("aio", "hello"): STEADY})
    assert "calibration" not in BASE_RUN  # the fixture predates calibration
    comparison = compare_runs(a, a)
    assert comparison.calibration is None
    assert "only raw ratios" in "\n".join(comparison_lines(comparison))


def test_a_noisy_calibration_is_called_out() -> None:
    calibration = _steady_pair_calibration(
        {"score": 42_000.0, "samples": [60_000, 40_000, 42_000]},
        {"score": 65_000.0, "samples": [69_000, 41_000, 65_000]},
    )
    assert calibration.spread_a == pytest.approx(0.5)
    assert "calibration itself is noisy" in calibration.advice()


def test_holm_keeps_one_borderline_cell_from_failing_a_run_of_four() -> None:
    # A 7-8% drop at p = 0.02: alone it is a regression; as one cell of four it is the
    # chance finding a run of four cells makes about one time in six without Holm.
    a_values, b_values = [1000, 1080, 950, 1020, 990], [939, 874, 986, 907, 930]
    alone = compare_runs(
        _run("a", {("flask", "hello"): a_values}), _run("b", {("flask", "hello"): b_values})
    )
    assert _only(alone).verdict == "regressed"
    assert _only(alone).p_value == pytest.approx(0.0203, abs=1e-3)

    others = {(app, scenario): STEADY for app in ("flask", "aio") for scenario in ("hit",)}
    others[("aio", "hello")] = STEADY
    cells_a = {("flask", "hello"): a_values, **others}
    cells_b = {("flask", "hello"): b_values, **others}
    four = compare_runs(_run("a", cells_a), _run("b", cells_b))
    borderline = next(cell for cell in four.cells if cell.key == ("flask", "hello", 200))
    assert borderline.p_adjusted == pytest.approx(4 * borderline.p_value)
    assert borderline.verdict == "no difference"
    assert four.exit_code == 0
