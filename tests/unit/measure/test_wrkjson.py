from __future__ import annotations

import json
import re

import pytest

from lab.measure.wrkjson import (
    Latency,
    WrkErrors,
    WrkOutputError,
    WrkResult,
    parse_wrk_output,
)
from tests.unit.fixtures import WRK_HUMAN_TEXT, wrk_payload, wrk_stdout


def test_parses_the_json_line_after_wrks_human_text() -> None:
    result = parse_wrk_output(wrk_stdout())

    assert result == WrkResult(
        duration_s=5.001234,
        requests=150000,
        bytes=21000000,
        errors=WrkErrors(connect=0, read=0, write=0, status=12, timeout=0),
        latency_us=Latency(
            min=80,
            mean=6123.5,
            stdev=900.25,
            max=40000,
            p50=6000,
            p75=6500,
            p90=7000,
            p99=9000,
            p99_9=15000,
        ),
    )


def test_ok_responses_exclude_status_errors_and_rps_uses_them() -> None:
    result = parse_wrk_output(wrk_stdout())

    assert result.ok_responses == 150000 - 12
    assert result.rps == pytest.approx(29990.19841903018, rel=1e-12)


def test_rps_ignores_wrks_own_requests_per_second_line() -> None:
    # The human text claims 29993.10 req/s, which counts the 12 failed responses too.
    result = parse_wrk_output(wrk_stdout())

    assert "Requests/sec:  29993.10" in WRK_HUMAN_TEXT
    assert result.rps < 29993


def test_error_total_sums_every_kind() -> None:
    errors = WrkErrors(connect=1, read=2, write=3, status=4, timeout=5)

    assert errors.total == 15
    assert errors.to_dict() == {"connect": 1, "read": 2, "write": 3, "status": 4, "timeout": 5}


def test_latency_to_dict_names_every_figure() -> None:
    latency = parse_wrk_output(wrk_stdout()).latency_us

    assert latency.to_dict() == {
        "p50": 6000,
        "p75": 6500,
        "p90": 7000,
        "p99": 9000,
        "p99_9": 15000,
        "mean": 6123.5,
        "stdev": 900.25,
        "min": 80,
        "max": 40000,
    }
    assert Latency.from_dict(latency.to_dict()) == latency


def test_json_line_alone_is_enough() -> None:
    result = parse_wrk_output(wrk_stdout(human=""))

    assert result.requests == 150000


def test_trailing_blank_lines_and_crlf_are_ignored() -> None:
    stdout = wrk_stdout().replace("\n", "\r\n") + "\r\n   \n"

    assert parse_wrk_output(stdout).requests == 150000


def test_integral_floats_from_lua_are_counts() -> None:
    # Lua numbers are doubles; a hook may print 150000 as 150000.0.
    result = parse_wrk_output(wrk_stdout(wrk_payload(requests=150000.0, duration_us=5e6)))

    assert result.requests == 150000
    assert isinstance(result.requests, int)
    assert result.duration_s == 5.0


def test_zero_requests_give_zero_rps() -> None:
    errors = {"connect": 200, "read": 0, "write": 0, "status": 0, "timeout": 0}
    result = parse_wrk_output(wrk_stdout(wrk_payload(requests=0, errors=errors)))

    assert result.ok_responses == 0
    assert result.rps == 0.0
    assert result.errors.total == 200


def _with_errors(**counts: object) -> str:
    errors: dict[str, object] = {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0}
    errors.update(counts)
    return wrk_stdout(wrk_payload(errors=errors))


def _without(section: str, key: str) -> str:
    payload = wrk_payload()
    del payload[section][key]
    return wrk_stdout(payload)


def _replace_line(stdout: str, new_last_line: str) -> str:
    return stdout.rstrip("\n").rsplit("\n", 1)[0] + "\n" + new_last_line + "\n"


FULL = wrk_stdout()
LINE = FULL.rstrip("\n").rsplit("\n", 1)[1]


@pytest.mark.parametrize(
    ("stdout", "message"),
    [
        ("", "no JSON line found: wrk's output is empty"),
        ("\n  \n\n", "no JSON line found: wrk's output is empty"),
        (WRK_HUMAN_TEXT, "no JSON line found: the last non-empty line of wrk's output is not"),
        (FULL + "unexpected trailer\n", "no JSON line found: the last non-empty line"),
        (_replace_line(FULL, "[1, 2]"), "no JSON line found"),
        (_replace_line(FULL, LINE[:60]), "invalid JSON on the last line of wrk's output"),
        (_replace_line(FULL, "{}"), "missing key 'schema'"),
        (
            wrk_stdout(wrk_payload(schema="lab.wrk/2")),
            "wrong schema: expected 'lab.wrk/1', got 'lab.wrk/2'",
        ),
        (_without("errors", "read"), "missing key 'errors.read'"),
        (_without("latency_us", "p99_9"), "missing key 'latency_us.p99_9'"),
        (_with_errors(read="3"), "key 'errors.read' is not a number: '3'"),
        (_with_errors(timeout=None), "key 'errors.timeout' is not a number: None"),
        (_with_errors(write=True), "key 'errors.write' is not a number: True"),
        (_with_errors(connect=-1), "key 'errors.connect' is negative: -1"),
        (wrk_stdout(wrk_payload(requests=-5)), "key 'requests' is negative: -5"),
        (wrk_stdout(wrk_payload(requests=1.5)), "key 'requests' is not a whole number: 1.5"),
        (wrk_stdout(wrk_payload(duration_us=0)), "key 'duration_us' is 0"),
        (wrk_stdout(wrk_payload(errors=[0, 0])), "key 'errors' is not an object: [0, 0]"),
        (
            wrk_stdout({k: v for k, v in wrk_payload().items() if k != "latency_us"}),
            "missing key 'latency_us'",
        ),
        (
            _replace_line(FULL, LINE.replace('"duration_us":5001234', '"duration_us":NaN')),
            "key 'duration_us' is not finite: nan",
        ),
        (
            _with_errors(status=150001),
            "key 'errors.status' (150001) exceeds 'requests' (150000)",
        ),
    ],
    ids=[
        "empty",
        "blank-lines",
        "text-only",
        "text-after-json",
        "json-array",
        "truncated-json",
        "empty-object",
        "wrong-schema",
        "missing-errors-read",
        "missing-p99_9",
        "string-count",
        "null-count",
        "bool-count",
        "negative-error-count",
        "negative-requests",
        "fractional-requests",
        "zero-duration",
        "errors-not-object",
        "missing-latency",
        "nan-duration",
        "status-exceeds-requests",
    ],
)
def test_malformed_output_is_rejected_with_a_precise_message(stdout: str, message: str) -> None:
    with pytest.raises(WrkOutputError, match=re.escape(message)):
        parse_wrk_output(stdout)


def test_wrk_output_error_is_a_value_error() -> None:
    assert issubclass(WrkOutputError, ValueError)


def test_long_bad_lines_are_cut_in_the_message() -> None:
    stdout = "{" + "x" * 500

    with pytest.raises(WrkOutputError) as caught:
        parse_wrk_output(stdout)

    message = str(caught.value)
    assert "x" * 79 in message
    assert "x" * 80 not in message
    assert message.endswith("'...")


def test_payload_fixture_matches_the_documented_example() -> None:
    documented = (
        '{"schema":"lab.wrk/1","duration_us":5001234,"requests":150000,"bytes":21000000,'
        '"errors":{"connect":0,"read":0,"write":0,"status":12,"timeout":0},'
        '"latency_us":{"min":80,"mean":6123.5,"stdev":900.25,"max":40000,"p50":6000,'
        '"p75":6500,"p90":7000,"p99":9000,"p99_9":15000}}'
    )

    assert json.loads(documented) == wrk_payload()
    assert parse_wrk_output(documented) == parse_wrk_output(wrk_stdout())
