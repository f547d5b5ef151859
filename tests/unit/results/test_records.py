from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from lab.measure.wrkjson import WrkErrors
from lab.results.judging import check_hit_invariant, record_from_wrk
from lab.results.legacy import lost_engine_record
from lab.results.records import TRIAL_SCHEMA_VERSION, TrialRecord, failed_record
from tests.unit.fixtures import (
    WRK_COMMAND,
    cpu,
    failed_trial,
    invocation,
    trial,
    wrk_payload,
    wrk_stdout,
)

TRIAL: dict[str, Any] = {
    "index": 7,
    "app": "aio",
    "scenario": "hit",
    "connections": 200,
    "repetition": 2,
    "threads": 4,
    "duration_s": 5.0,
    "started_at": "2026-11-25T01:02:03+00:00",
    "finished_at": "2026-11-25T01:02:09+00:00",
}
OK = 150000 - 12  # ok responses in the fixture's wrk output


def _json_round_trip(record: TrialRecord) -> TrialRecord:
    return TrialRecord.from_dict(json.loads(json.dumps(record.to_dict())))


def test_ok_record_from_wrk_output() -> None:
    record = record_from_wrk(
        **TRIAL,
        wrk=invocation(wrk_stdout(), stderr="warning"),
        cpu={"app": cpu(0.9), "redis": cpu(0.1)},
        counter_before=1000,
        counter_after=1000 + OK + 3,
        verification={"body": "ok"},
        app_log="GET /hit 200",
    )

    assert record.status == "ok"
    assert record.reason is None
    assert record.requests == 150000
    assert record.ok_responses == OK
    assert record.rps == pytest.approx(OK / 5.001234)
    assert record.invariant is not None
    assert record.invariant["holds"] is True
    assert record.cpu == {"app": cpu(0.9), "wrk": None, "redis": cpu(0.1)}
    # The app's log is kept for failures only.
    assert record.app_log == "GET /hit 200"  # its 12 status errors want explaining


def test_to_dict_has_the_documented_shape() -> None:
    data = record_from_wrk(**TRIAL, wrk=invocation(wrk_stdout())).to_dict()

    assert list(data) == [
        "schema_version",
        "index",
        "status",
        "reason",
        "app",
        "scenario",
        "connections",
        "repetition",
        "threads",
        "duration_s",
        "started_at",
        "finished_at",
        "rps",
        "requests",
        "ok_responses",
        "errors",
        "latency_us",
        "cpu",
        "invariant",
        "verification",
        "wrk",
        "app_log",
        "host",
    ]
    assert data["schema_version"] == TRIAL_SCHEMA_VERSION == 1
    assert data["errors"] == {
        "connect": 0,
        "read": 0,
        "write": 0,
        "status": 12,
        "timeout": 0,
    }
    assert data["latency_us"] == {
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
    assert data["cpu"] == {"app": None, "wrk": None, "redis": None}
    assert data["wrk"] == {
        "command": list(WRK_COMMAND),
        "stdout": wrk_stdout(),
        "stderr": "",
        "exit_code": 0,
    }
    assert data["invariant"] is None


def test_round_trip_through_json_of_an_ok_record() -> None:
    record = record_from_wrk(
        **TRIAL,
        wrk=invocation(wrk_stdout()),
        cpu={"app": cpu(0.9, throttled_periods=4), "wrk": cpu(0.5), "redis": None},
        counter_before=5,
        counter_after=5 + OK,
        verification={"checked": ["status", "body"], "sample": {"status": 200}},
    )

    assert _json_round_trip(record) == record


def test_round_trip_of_failed_records() -> None:
    before_wrk = failed_trial(3)
    bad_output = record_from_wrk(**TRIAL, wrk=invocation("segfault\n", exit_code=139))

    assert before_wrk.wrk is None
    assert _json_round_trip(before_wrk) == before_wrk
    assert _json_round_trip(bad_output) == bad_output


@pytest.mark.parametrize(
    ("reason", "lost"),
    [
        ("ConnectionError: ('Connection aborted.', ConnectionRefusedError(111))", True),
        ("ReadTimeout: UnixHTTPConnectionPool(host='localhost'): Read timed out.", True),
        ("app container exited, exit code 137 during the trial", False),
        ("APIError: 409 Client Error: Conflict", False),
        ("verification failed: ConnectionError: reset by peer", False),
    ],
)
def test_a_failure_the_lost_engine_wrote_is_told_from_the_apps(reason: str, lost: bool) -> None:
    record = dataclasses.replace(failed_trial(3), reason=reason)
    assert lost_engine_record(record) is lost


def test_invariant_holds_at_both_bounds() -> None:
    at_lower = check_hit_invariant(
        ok_responses=100, counter_before=50, counter_after=150, connections=8
    )
    at_upper = check_hit_invariant(
        ok_responses=100, counter_before=50, counter_after=158, connections=8
    )

    assert at_lower == {
        "rule": "ok <= delta <= ok + other + connections",
        "ok_responses": 100,
        "other": 0,
        "counter_before": 50,
        "counter_after": 150,
        "delta": 100,
        "holds": True,
    }
    assert at_upper["delta"] == 108
    assert at_upper["holds"] is True


def test_invariant_fails_just_outside_both_bounds() -> None:
    below = check_hit_invariant(
        ok_responses=100, counter_before=50, counter_after=149, connections=8
    )
    above = check_hit_invariant(
        ok_responses=100, counter_before=50, counter_after=159, connections=8
    )

    assert (below["delta"], below["holds"]) == (99, False)
    assert (above["delta"], above["holds"]) == (109, False)


def test_answers_that_were_not_ok_widen_only_the_upper_bound() -> None:
    # 5 errors answered or lost after the app may have counted them: up to 113 is fine.
    def holds(after: int) -> bool:
        invariant = check_hit_invariant(
            ok_responses=100, counter_before=50, counter_after=after, connections=8, other=5
        )
        return bool(invariant["holds"])

    assert [holds(149), holds(150), holds(163), holds(164)] == [False, True, True, False]


def test_broken_invariant_fails_the_trial_but_keeps_its_numbers_and_log() -> None:
    record = record_from_wrk(
        **TRIAL,
        wrk=invocation(wrk_stdout()),
        counter_before=0,
        counter_after=OK - 1,
        app_log="redis timeout",
    )

    assert record.status == "failed"
    assert record.reason == (
        f"/hit invariant failed: the counter rose by {OK - 1} for {OK} ok responses,"
        f" expected {OK} to {OK + 12 + 200} (ok <= delta <= ok + other + connections)"
    )
    assert record.ok_responses == OK
    assert record.invariant is not None
    assert record.invariant["holds"] is False
    assert record.app_log == "redis timeout"


def test_error_counters_do_not_fail_a_trial() -> None:
    errors = {"connect": 3, "read": 4, "write": 0, "status": 500, "timeout": 9}
    record = record_from_wrk(**TRIAL, wrk=invocation(wrk_stdout(wrk_payload(errors=errors))))

    assert record.status == "ok"
    assert record.errors == WrkErrors(connect=3, read=4, write=0, status=500, timeout=9)
    # A response later than --timeout is a timeout, not a success.
    assert record.ok_responses == 150000 - 500 - 9
    assert record.app_log is None  # none was given


def test_an_ok_trial_keeps_the_apps_log_only_when_wrk_counted_errors() -> None:
    clean = wrk_payload(errors={"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0})
    quiet = record_from_wrk(**TRIAL, wrk=invocation(wrk_stdout(clean)), app_log="booted")
    noisy = record_from_wrk(**TRIAL, wrk=invocation(wrk_stdout()), app_log="503: TimeoutError")
    assert (quiet.status, quiet.app_log) == ("ok", None)
    assert (noisy.status, noisy.app_log) == ("ok", "503: TimeoutError")


def test_unparseable_wrk_output_fails_the_trial_and_keeps_the_raw_output() -> None:
    stdout = "Running 5s test @ http://app:8000/hello\n"
    record = record_from_wrk(**TRIAL, wrk=invocation(stdout, stderr="oops"), app_log="log")

    assert record.status == "failed"
    assert record.reason is not None
    assert record.reason.startswith("unusable wrk output: no JSON line found")
    assert record.rps is None
    assert record.errors is None
    assert record.wrk == invocation(stdout, stderr="oops")
    assert record.app_log == "log"


def test_non_zero_exit_of_wrk_fails_the_trial() -> None:
    crashed = record_from_wrk(**TRIAL, wrk=invocation("", exit_code=1))
    killed = record_from_wrk(**TRIAL, wrk=invocation(wrk_stdout(), exit_code=None))

    assert crashed.reason == (
        "wrk exited with code 1; unusable wrk output: no JSON line found: wrk's output is empty"
    )
    assert killed.status == "failed"
    assert killed.reason == "wrk did not exit by itself"


def test_failed_verification_fails_the_trial() -> None:
    record = record_from_wrk(
        **TRIAL,
        wrk=invocation(wrk_stdout()),
        verification={"status": 500},
        failure="GET /hello answered 500",
    )

    assert record.status == "failed"
    assert record.reason == "verification failed: GET /hello answered 500"
    assert record.verification == {"status": 500}


def test_reasons_accumulate() -> None:
    record = record_from_wrk(
        **TRIAL,
        wrk=invocation(wrk_stdout()),
        counter_before=0,
        counter_after=0,
        failure="wrong body",
    )

    assert record.reason is not None
    assert record.reason.startswith("/hit invariant failed")
    assert record.reason.endswith("; verification failed: wrong body")


def test_failed_record_keeps_what_it_is_given() -> None:
    record = failed_record(
        **TRIAL,
        reason="app did not become healthy within 30 s",
        cpu={"redis": cpu(0.01)},
        verification={"health": "timeout"},
        app_log="ImportError: no module named flask",
    )

    assert record.status == "failed"
    assert record.rps is None
    assert record.cpu == {"app": None, "wrk": None, "redis": cpu(0.01)}
    assert record.app_log == "ImportError: no module named flask"
    assert record.to_dict()["errors"] is None


def test_builder_argument_mistakes_raise() -> None:
    with pytest.raises(ValueError, match="give both counter_before and counter_after"):
        record_from_wrk(**TRIAL, wrk=invocation(wrk_stdout()), counter_before=1)
    with pytest.raises(ValueError, match="unknown CPU roles \\['db'\\]"):
        record_from_wrk(**TRIAL, wrk=invocation(wrk_stdout()), cpu={"db": None})


def test_record_rejects_inconsistent_status() -> None:
    ok = record_from_wrk(**TRIAL, wrk=invocation(wrk_stdout()))
    failed = failed_trial(1)

    with pytest.raises(ValueError, match="an ok trial has no failure reason"):
        dataclasses.replace(ok, reason="why")
    with pytest.raises(ValueError, match="an ok trial needs wrk's output and its numbers"):
        dataclasses.replace(failed, status="ok", reason=None)
    with pytest.raises(ValueError, match="a failed trial needs a reason"):
        dataclasses.replace(failed, reason="")
    with pytest.raises(ValueError, match="status must be 'ok' or 'failed'"):
        dataclasses.replace(failed, status="skipped")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"schema_version": 2}, "schema_version 2, this lab reads 1"),
        ({"status": "maybe"}, "status must be 'ok' or 'failed', got 'maybe'"),
        ({"connections": "200"}, "key 'connections' has the wrong type: '200'"),
        ({"index": True}, "key 'index' has the wrong type: True"),
        ({"errors": {"connect": 0}}, "missing key 'errors.read'"),
        (
            {"wrk": {"command": ["wrk", 1], "stdout": "", "stderr": "", "exit_code": 0}},
            "wrk.command",
        ),
    ],
)
def test_from_dict_names_what_is_wrong(change: dict[str, Any], message: str) -> None:
    data = {**record_from_wrk(**TRIAL, wrk=invocation(wrk_stdout())).to_dict(), **change}

    with pytest.raises(ValueError, match=message):
        TrialRecord.from_dict(data)


def test_from_dict_reports_a_missing_key() -> None:
    data = record_from_wrk(**TRIAL, wrk=invocation(wrk_stdout())).to_dict()
    del data["finished_at"]

    with pytest.raises(ValueError, match="missing key 'finished_at'"):
        TrialRecord.from_dict(data)


def test_a_record_from_before_memory_was_read_is_written_back_without_the_key() -> None:
    record = trial(1)
    assert "memory" not in record.to_dict()
    assert TrialRecord.from_dict(record.to_dict()) == record
