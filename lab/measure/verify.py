"""Is an app's answer right? Rules over what the probe saw, kept pure so they are tested.

A probe `fetch` report is `{"responses": [{"status", "headers", "body"}...],
"same_connection": bool, "error": str | None}` (see images/wrk/probe.py).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from typing import Any

HELLO_BODY = "Hello, world!"
HELLO_TYPE = "text/plain"
HIT_TYPE = "application/json"


def _media_type(headers: Mapping[str, str]) -> str:
    return headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _common(report: Mapping[str, Any], content_type: str) -> tuple[list[str], list[Any]]:
    problems: list[str] = []
    if report.get("error"):
        problems.append(f"request failed: {report['error']}")
    responses: Sequence[Mapping[str, Any]] = report.get("responses") or []
    if not responses:
        problems.append("no response")
    for n, response in enumerate(responses, 1):
        if response.get("status") != 200:
            problems.append(f"response {n}: status {response.get('status')}, expected 200")
        seen = _media_type(response.get("headers") or {})
        if seen != content_type:
            problems.append(
                f"response {n}: content type {seen or 'missing'!r}, expected {content_type!r}"
            )
    if len(responses) > 1 and not report.get("same_connection"):
        problems.append("connection not kept alive between requests")
    return problems, [r.get("body", "") for r in responses]


def verify_hello(report: Mapping[str, Any]) -> list[str]:
    """Problems with a `GET /` answer; empty when it is right."""
    problems, bodies = _common(report, HELLO_TYPE)
    problems += [
        f"response {n}: body {body[:40]!r}, expected {HELLO_BODY!r}"
        for n, body in enumerate(bodies, 1)
        if body != HELLO_BODY
    ]
    return problems


def hit_count(body: str) -> int | None:
    """n from a `{"hit": n}` body, or None when the body is not exactly that shape."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict) or set(data) != {"hit"}:
        return None
    value = data["hit"]
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def verify_hit(report: Mapping[str, Any]) -> list[str]:
    """Problems with `GET /hit` answers; consecutive requests must count up by one."""
    problems, bodies = _common(report, HIT_TYPE)
    counts = [hit_count(body) for body in bodies]
    problems += [
        f'response {n}: body {body[:60]!r}, expected {{"hit": n}}'
        for n, (body, count) in enumerate(zip(bodies, counts, strict=True), 1)
        if count is None
    ]
    found = [c for c in counts if c is not None]
    if len(found) == len(counts) > 1 and any(b != a + 1 for a, b in itertools.pairwise(found)):
        problems.append(f"counter did not count up by one: {found}")
    return problems


VERIFIERS = {"hello": verify_hello, "hit": verify_hit}
