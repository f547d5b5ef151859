"""Is an app's answer right? A scenario's rule (lab.model.scenarios) over what the probe
saw, kept pure so it is tested.

A probe `fetch` report is `{"responses": [{"status", "headers", "body", "elapsed_s"}...],
"same_connection": bool, "error": str | None}` (see images/wrk/probe.py).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from lab.model.scenarios import SCENARIOS, Counter, Rule, Scenario, hit_count
from lab.model.tables import FortunesPage, Tables, WorldRow, WorldRows


def _media_type(headers: Mapping[str, str]) -> str:
    return headers.get("content-type", "").split(";", 1)[0].strip().lower()


def body_problems(rule: Rule, body: str, tables: Tables | None) -> list[str]:
    """What is wrong with a body; a database rule checks it against the run's tables."""
    if isinstance(rule.body, WorldRow | WorldRows | FortunesPage):
        if tables is None:
            return ["the run loaded no tables to check this answer against"]
        return rule.body.problems_in(body, tables)
    return rule.body.problems(body)


def answer_problems(
    rule: Rule, response: Mapping[str, Any], tables: Tables | None = None
) -> list[str]:
    """What is wrong with one answer under `rule`; empty when it is right."""
    problems: list[str] = []
    if response.get("status") != rule.status:
        problems.append(f"status {response.get('status')}, expected {rule.status}")
    seen = _media_type(response.get("headers") or {})
    if rule.content_type is not None and seen != rule.content_type:
        problems.append(f"content type {seen or 'missing'!r}, expected {rule.content_type!r}")
    problems += body_problems(rule, response.get("body", ""), tables)
    elapsed = response.get("elapsed_s")
    if rule.min_elapsed_s and isinstance(elapsed, int | float) and elapsed < rule.min_elapsed_s:
        # An app that answers an I/O scenario sooner than the wait did not wait.
        problems.append(
            f"answered in {elapsed * 1000:.1f} ms, sooner than the "
            f"{rule.min_elapsed_s * 1000:g} ms it must wait"
        )
    return problems


def verify(
    scenario: Scenario, report: Mapping[str, Any], tables: Tables | None = None
) -> list[str]:
    """Problems with the answers of a `fetch` report to `scenario`'s request; empty when
    they are right. Consecutive /hit answers must count up by one; a db answer must be
    the row `tables` hold."""
    if scenario.parts != (scenario,):
        raise ValueError(f"{scenario.name} is a mix: verify_parts checks each of its parts")
    problems: list[str] = []
    if report.get("error"):
        problems.append(f"request failed: {report['error']}")
    responses: Sequence[Mapping[str, Any]] = report.get("responses") or []
    if not responses:
        problems.append("no response")
    for n, response in enumerate(responses, 1):
        problems += [f"response {n}: {p}" for p in answer_problems(scenario.rule, response, tables)]
    if len(responses) > 1 and not report.get("same_connection"):
        problems.append("connection not kept alive between requests")
    if isinstance(scenario.rule.body, Counter):
        counts = [hit_count(r.get("body", "")) for r in responses]
        found = [c for c in counts if c is not None]
        if len(found) == len(counts) > 1 and any(b != a + 1 for a, b in itertools.pairwise(found)):
            problems.append(f"counter did not count up by one: {found}")
    return problems


def verify_parts(
    scenario: Scenario, reports: Mapping[str, Mapping[str, Any]], tables: Tables | None = None
) -> list[str]:
    """Problems with the `fetch` reports, by name, of each of `scenario.parts`: a mix's
    parts each by its own rule, named ("json: response 1: status 500"); any other
    scenario's by its rule, as `verify` says them."""
    if scenario.parts == (scenario,):
        return verify(scenario, reports.get(scenario.name, {}), tables)
    return [
        f"{part.name}: {problem}"
        for part in scenario.parts
        for problem in verify(part, reports.get(part.name, {}), tables)
    ]


def verify_hello(report: Mapping[str, Any]) -> list[str]:
    """Problems with a `GET /` answer; empty when it is right."""
    return verify(SCENARIOS["hello"], report)


def verify_hit(report: Mapping[str, Any]) -> list[str]:
    """Problems with `GET /hit` answers; consecutive requests must count up by one."""
    return verify(SCENARIOS["hit"], report)


__all__ = ["answer_problems", "hit_count", "verify", "verify_hello", "verify_hit", "verify_parts"]
