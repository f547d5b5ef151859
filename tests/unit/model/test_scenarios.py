"""Scenarios as data: the lab's own, the body pattern every tool makes alike, the names
that stand for several, and what the open-loop generator cannot send."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from lab.errors import UsageError
from lab.model.config import build_config
from lab.model.scenarios import (
    GROUPS,
    PAYLOAD_FILE,
    SCENARIOS,
    Contains,
    JsonKeys,
    Request,
    request_body,
    upload_answer,
)
from lab.paths import ROOT


def test_the_body_pattern_repeats_sixteen_bytes_cut_to_size() -> None:
    assert request_body(0) == b""
    assert request_body(20) == b"0123456789abcdef0123"
    assert len(request_body(1_000_000)) == 1_000_000


def test_wrks_script_and_the_probe_make_the_same_body() -> None:
    """The three makers of the body agree: the lab's rule, the probe and wrk's script."""
    lua = (ROOT / "images/wrk/report.lua").read_text()
    probe = (ROOT / "images/wrk/probe.py").read_text()
    assert re.search(r'local pattern = "0123456789abcdef"', lua)
    assert 'pattern = b"0123456789abcdef"' in probe
    answer = upload_answer(64_000)
    assert answer == {
        "length": 64_000,
        "sha256": hashlib.sha256(b"0123456789abcdef" * 4_000).hexdigest(),
    }


def test_a_plain_get_adds_nothing_to_the_generators_command() -> None:
    assert SCENARIOS["hello"].request.generator_args() == ()
    assert SCENARIOS["io"].request.generator_args() == ()
    assert SCENARIOS["upload1m"].request.generator_args() == (
        "POST",
        "1000000",
        "application/octet-stream",
    )
    assert Request("DELETE", "/x").generator_args() == ("DELETE", "0", "-")


def test_the_json_scenario_serves_the_one_payload_file_every_image_carries() -> None:
    payload = json.loads(PAYLOAD_FILE.read_text())
    assert SCENARIOS["json"].rule.body.value == payload  # type: ignore[union-attr]
    assert 900 <= len(json.dumps(payload, separators=(",", ":"))) <= 1200


def test_only_hit_needs_redis_and_io_must_really_wait() -> None:
    assert [name for name, s in SCENARIOS.items() if s.uses_redis] == ["hit"]
    assert SCENARIOS["io"].rule.min_elapsed_s == 0.02
    assert SCENARIOS["io"].request.path == "/io?ms=20"


def test_groups_stand_for_their_members_in_place() -> None:
    config = build_config("quick", {"scenarios": "hello,upload", "apps": "flask"})
    assert config.scenarios == ("hello", "upload1k", "upload64k", "upload1m")
    assert build_config("quick", {"scenarios": "all", "apps": "flask"}).scenarios == tuple(
        SCENARIOS
    )
    assert GROUPS["all"][:2] == ("hello", "hit")


def test_a_group_and_its_member_together_are_a_repeat() -> None:
    with pytest.raises(UsageError, match=r"--scenarios: 'upload1k' is listed twice"):
        build_config("quick", {"scenarios": "upload,upload1k", "apps": "flask"})


def test_the_open_loop_refuses_a_scenario_with_a_body_naming_it() -> None:
    with pytest.raises(UsageError) as refused:
        build_config("quick", {"scenarios": "hello,upload64k", "apps": "flask", "mode": "open"})
    assert str(refused.value).startswith(
        "--scenarios: upload64k sends POST with a body, and the open-loop generator"
    )
    assert build_config("quick", {"scenarios": "io", "apps": "flask", "mode": "open"})


@pytest.mark.parametrize(
    ("rule", "body", "problems"),
    [
        (Contains("<ul>"), "<html><ul></ul>", []),
        (Contains("<ul>"), "<html>", ["body '<html>' does not contain '<ul>'"]),
        (JsonKeys(("id", "name")), '{"id": 1, "name": "x", "more": 2}', []),
        (JsonKeys(("id", "name")), '{"id": 1}', ["JSON body lacks name"]),
        (JsonKeys(("id",)), "[1]", ["body is JSON list, expected an object"]),
        (JsonKeys(("id",)), "<p>", ["body '<p>' is not JSON"]),
    ],
)
def test_body_rules_name_what_is_wrong(
    rule: Contains | JsonKeys, body: str, problems: list[str]
) -> None:
    assert rule.problems(body) == problems


def test_what_a_request_sends_beyond_a_plain_get_is_said_in_words() -> None:
    assert Request().what_more() == ""
    assert SCENARIOS["upload1k"].request.what_more() == "POST with a body"
    assert Request("DELETE", "/x").what_more() == "DELETE"
    assert Request(headers=(("Accept", "text/html"),)).what_more() == "headers of its own"
