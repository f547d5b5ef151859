"""Findings as data (validation, JSON round trip, ordering) and as terminal lines."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lab.analysis.checks import by_severity, findings_lines
from lab.analysis.checks.findings import cell_finding, run_finding
from lab.results.findings import Finding
from tests.unit.fixtures import CELL, finding


def test_to_dict_and_from_dict_round_trip_through_json() -> None:
    original = finding()

    data = json.loads(json.dumps(original.to_dict()))

    assert data == {
        "severity": "warning",
        "code": "high-cv",
        "message": "hello @200 aio: CV 19.1% over 5 trials is above 5%.",
        "remedy": "Run ≥ 59 repetitions (--repetitions 59).",
        "cell": CELL,
    }
    assert Finding.from_dict(data) == original
    run_wide = finding("info", "redis-shares-wrk-cpus", cell=None)
    assert Finding.from_dict(run_wide.to_dict()) == run_wide


@given(
    st.sampled_from(["error", "warning", "info"]),
    st.from_regex(r"[a-z0-9]+(-[a-z0-9]+){0,3}", fullmatch=True),
    st.text(min_size=1).filter(str.strip),
    st.none() | st.builds(dict, app=st.text(), scenario=st.text(), connections=st.integers()),
)
def test_any_valid_finding_round_trips(
    severity: Any, code: str, message: str, cell: dict[str, Any] | None
) -> None:
    original = Finding(severity, code, message, "Re-run.", cell)
    assert Finding.from_dict(original.to_dict()) == original


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"severity": "fatal"}, "severity"),
        ({"code": "High CV"}, "kebab-case"),
        ({"code": "high-cv-"}, "kebab-case"),
        ({"message": " "}, "message"),
        ({"remedy": ""}, "remedy"),
        ({"cell": {"app": "aio", "scenario": "hello"}}, "exactly the keys"),
        ({"cell": {**CELL, "connections": "200"}}, "cell.connections"),
        ({"cell": {**CELL, "connections": True}}, "cell.connections"),
    ],
)
def test_an_invalid_finding_is_refused_naming_the_field(fields: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        finding(**{"severity": "warning", "code": "high-cv", **fields})


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"code": "x", "message": "m", "remedy": "r"}, "'severity'"),
        ({"severity": "info", "code": 3, "message": "m", "remedy": "r"}, "'code'"),
        ({"severity": "info", "code": "x", "message": "m", "remedy": "r", "cell": []}, "'cell'"),
    ],
)
def test_from_dict_names_the_bad_key(data: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Finding.from_dict(data)


def test_a_finding_keeps_its_own_copy_of_the_cell_and_hashes() -> None:
    cell = dict(CELL)
    held = finding(cell=cell)
    cell["app"] = "flask"

    assert held.cell == CELL
    assert held.cell_key == ("aio", "hello", 200)
    assert len({held, finding()}) == 1


def test_cell_and_run_findings_name_what_they_are_about() -> None:
    about_cell = cell_finding("warning", "high-cv", ("aio", "hello", 200), "CV 19.1%.", "Re-run.")
    about_run = run_finding("info", "harness-ceiling", "the ceiling is 40,000 req/s.", "None.")

    assert about_cell.message == "hello @200 aio: CV 19.1%."
    assert about_cell.cell == CELL
    assert about_run.message == "run: the ceiling is 40,000 req/s."
    assert about_run.cell is None


def test_by_severity_puts_errors_first_and_keeps_the_order_within() -> None:
    info, warn_a, err, warn_b = (
        finding("info", "a"),
        finding("warning", "b"),
        finding("error", "c"),
        finding("warning", "d"),
    )
    assert by_severity([info, warn_a, err, warn_b]) == [err, warn_a, warn_b, info]


def test_findings_lines_are_severity_message_dash_remedy() -> None:
    assert findings_lines([finding(), finding("info", "harness-ceiling", cell=None)]) == [
        "WARNING hello @200 aio: CV 19.1% over 5 trials is above 5%."
        " — Run ≥ 59 repetitions (--repetitions 59).",
        "INFO hello @200 aio: CV 19.1% over 5 trials is above 5%."
        " — Run ≥ 59 repetitions (--repetitions 59).",
    ]
