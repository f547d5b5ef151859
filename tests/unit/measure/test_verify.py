from __future__ import annotations

from typing import Any

from lab.measure.verify import hit_count, verify_hello, verify_hit


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
