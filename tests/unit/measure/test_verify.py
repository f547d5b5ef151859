from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from lab.measure.verify import (
    answer_problems,
    hit_count,
    verify,
    verify_hello,
    verify_hit,
    verify_parts,
)
from lab.model.scenarios import SCENARIOS, request_body
from lab.model.tables import WORLD_ROWS, Tables
from tests.unit.engine.fakes import fake_tables, table_answer


def response(body: str, content_type: str, status: int = 200) -> dict[str, Any]:
    return {"status": status, "headers": {"content-type": content_type}, "body": body}


def report(
    *responses: dict[str, Any], same: bool = True, error: str | None = None
) -> dict[str, Any]:
    return {"responses": list(responses), "same_connection": same, "error": error}


TEXT = "text/plain; charset=utf-8"


def test_right_hello_has_no_problem() -> None:
    assert (
        verify_hello(report(response("Hello, world!", TEXT), response("Hello, world!", TEXT))) == []
    )


def test_hello_problems_are_each_named() -> None:
    problems = verify_hello(
        report(
            response("Hello, world!\n", "text/html", status=500), response("x", TEXT), same=False
        )
    )
    assert "response 1: status 500, expected 200" in problems
    assert "response 1: content type 'text/html', expected 'text/plain'" in problems
    assert "connection not kept alive between requests" in problems
    assert any("body 'Hello, world!\\n'" in p for p in problems)


def test_failed_request_and_no_response_are_problems() -> None:
    assert verify_hello(report(error="ConnectionRefusedError: refused")) == [
        "request failed: ConnectionRefusedError: refused",
        "no response",
    ]


def test_hit_must_count_up_by_one() -> None:
    good = report(
        response('{"hit": 7}', "application/json"), response('{"hit": 8}', "application/json")
    )
    assert verify_hit(good) == []
    bad = report(
        response('{"hit": 7}', "application/json"), response('{"hit": 7}', "application/json")
    )
    assert verify_hit(bad) == ["counter did not count up by one: [7, 7]"]


def test_hit_shape_is_exact() -> None:
    assert hit_count('{"hit": 3}') == 3
    assert hit_count('{"hit": "3"}') is None
    assert hit_count('{"hit": true}') is None
    assert hit_count('{"hit": 3, "extra": 1}') is None
    assert hit_count("[3]") is None
    assert hit_count("not json") is None


JSON = "application/json"


def test_a_json_answer_is_compared_as_json_and_its_first_difference_named() -> None:
    payload = SCENARIOS["json"].rule.body.value  # type: ignore[union-attr]
    reordered = json.dumps(dict(reversed(list(payload.items()))), indent=1)
    assert verify(SCENARIOS["json"], report(response(reordered, JSON))) == []
    changed = json.loads(json.dumps(payload))
    changed["items"][3]["price_cents"] += 1
    [problem] = verify(SCENARIOS["json"], report(response(json.dumps(changed), JSON)))
    assert problem.startswith("response 1: JSON body differs from the expected value")
    assert "$.items[3].price_cents" in problem


def test_an_upload_answer_must_name_the_bodys_length_and_sha256() -> None:
    body = request_body(64_000)
    right = {"length": 64_000, "sha256": hashlib.sha256(body).hexdigest()}
    assert verify(SCENARIOS["upload64k"], report(response(json.dumps(right), JSON))) == []
    short = {**right, "length": 63_999}
    [problem] = verify(SCENARIOS["upload64k"], report(response(json.dumps(short), JSON)))
    assert "$.length" in problem


def test_an_io_answer_sooner_than_its_wait_did_not_wait() -> None:
    waited = {**response("Hello, world!", TEXT), "elapsed_s": 0.0213}
    hurried = {**response("Hello, world!", TEXT), "elapsed_s": 0.0004}
    assert verify(SCENARIOS["io"], report(waited)) == []
    assert verify(SCENARIOS["io"], report(hurried)) == [
        "response 1: answered in 0.4 ms, sooner than the 20 ms it must wait"
    ]


def test_answer_problems_judges_one_answer_of_a_burst() -> None:
    rule = SCENARIOS["hello"].rule
    assert answer_problems(rule, response("Hello, world!", TEXT)) == []
    assert answer_problems(rule, response("nope", "text/html", status=404)) == [
        "status 404, expected 200",
        "content type 'text/html', expected 'text/plain'",
        "body 'nope', expected 'Hello, world!'",
    ]


def mix_reports() -> dict[str, dict[str, Any]]:
    """Right answers to each part of the lab's mix, as the probe reports them."""
    hello = response("Hello, world!", TEXT)
    payload = json.dumps(SCENARIOS["json"].rule.body.value)  # type: ignore[union-attr]
    slow = {**hello, "elapsed_s": 0.021}
    reports = {
        "hello": report(hello, hello),
        "json": report(response(payload, JSON), response(payload, JSON)),
        "io": report(slow, slow),
    }
    for name in ("db", "queries", "fortunes"):
        body, kind = table_answer(SCENARIOS[name].request.path, MIX_TABLES)
        reports[name] = report(response(body, kind), response(body, kind))
    return reports


MIX_TABLES = fake_tables(seed=3)


def test_each_part_of_a_mix_is_checked_by_its_own_rule() -> None:
    assert verify_parts(SCENARIOS["mix"], mix_reports(), MIX_TABLES) == []


def test_one_wrong_part_fails_the_mix_and_is_named() -> None:
    reports = mix_reports()
    reports["io"] = report(response("Hello, world!", TEXT, status=500), response("x", TEXT))
    problems = verify_parts(SCENARIOS["mix"], reports, MIX_TABLES)
    assert problems[0] == "io: response 1: status 500, expected 200"
    assert all(p.startswith("io: ") for p in problems)
    assert "io: response 2: body 'x', expected 'Hello, world!'" in problems


def test_a_part_left_unprobed_is_a_problem_of_its_own() -> None:
    reports = mix_reports()
    del reports["json"]
    assert verify_parts(SCENARIOS["mix"], reports, MIX_TABLES) == ["json: no response"]


def test_a_scenario_of_one_request_is_checked_as_itself() -> None:
    hello = response("Hello, world!", TEXT)
    assert verify_parts(SCENARIOS["hello"], {"hello": report(hello, hello)}) == []
    assert verify_parts(SCENARIOS["hello"], {"hello": report()}) == ["no response"]


def test_a_mix_is_never_checked_against_one_report() -> None:
    with pytest.raises(ValueError, match=r"mix is a mix: verify_parts"):
        verify(SCENARIOS["mix"], mix_reports()["hello"])


def test_a_db_answer_is_checked_against_the_runs_tables_and_refused_without_them() -> None:
    tables = Tables({i: i for i in range(1, WORLD_ROWS + 1)})
    right = response(json.dumps({"id": 9, "randomNumber": 9}), "application/json")
    wrong = response(json.dumps({"id": 9, "randomNumber": 10}), "application/json")
    assert verify(SCENARIOS["db"], report(right, right), tables) == []
    assert verify(SCENARIOS["db"], report(right, wrong), tables) == [
        "response 2: row: world row 9 holds 9, the answer says 10"
    ]
    assert verify(SCENARIOS["db"], report(right)) == [
        "response 1: the run loaded no tables to check this answer against"
    ]
