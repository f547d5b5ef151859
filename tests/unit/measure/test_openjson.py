"""The open-loop generator's JSON line, and when a point it measured is valid."""

from __future__ import annotations

import json

import pytest

from lab.measure.openjson import OpenOutputError, invalid_because, parse_open_output
from tests.unit.engine.fakes import openload_line


def test_a_clean_point_is_valid() -> None:
    result = parse_open_output("warming up\n" + openload_line(500.0))
    assert result.scheduled == result.completed == 500
    assert result.achieved_rps == 500.0
    assert invalid_because(result, 500.0) is None


def test_a_point_short_of_its_rate_is_invalid_with_the_figures() -> None:
    result = parse_open_output(openload_line(1000.0, capacity=900))
    assert invalid_because(result, 1000.0) == (
        "achieved 900 of 1,000 req/s (90.0%); 100 requests due in the window never answered"
    )


def test_a_generator_behind_its_schedule_is_invalid() -> None:
    result = parse_open_output(openload_line(1000.0, lag_p99_us=8_000))
    assert "fell behind its schedule (p99 lag 8.0 ms, limit 5 ms)" in str(
        invalid_because(result, 1000.0)
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"schema": "other/1"}, "wrong schema"),
        ({"scheduled": 501}, "501 requests scheduled but 500 accounted for"),
        ({"completed": 499, "dropped": 1}, "the histogram holds 500 latencies for 499"),
        ({"window_us": 0}, "'window_us' is 0"),
    ],
)
def test_a_line_that_does_not_add_up_is_refused(change: dict[str, object], message: str) -> None:
    data = {**json.loads(openload_line(500.0)), **change}
    with pytest.raises(OpenOutputError, match=message):
        parse_open_output(json.dumps(data))


def test_no_line_at_all_is_refused() -> None:
    with pytest.raises(OpenOutputError, match="output is empty"):
        parse_open_output("\n")
