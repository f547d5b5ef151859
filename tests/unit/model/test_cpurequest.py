"""--cpus: CPU requests per role, parsed with errors that name the item."""

from __future__ import annotations

import pytest

from lab.errors import UsageError
from lab.model.cpurequest import CpuRequest, parse_cpus
from tests.unit.fixtures import usage_error


def test_parse_cpus_all_keys_any_order() -> None:
    assert parse_cpus("redis=0.5,app=2,wrk=1") == CpuRequest(app=2.0, wrk=1.0, redis=0.5)


def test_parse_cpus_missing_keys_keep_defaults() -> None:
    assert parse_cpus("app=0.5") == CpuRequest(app=0.5, wrk=1.0, redis=1.0)
    assert parse_cpus(" wrk = 2 ") == CpuRequest(app=1.0, wrk=2.0, redis=1.0)


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("ap=1", ["--cpus", "'ap=1'", "unknown key 'ap'", "app, wrk, redis"]),
        ("app=1,app=2", ["--cpus", "'app=2'", "'app'"]),
        ("app1", ["--cpus", "'app1'", "'='"]),
        ("app=one", ["--cpus", "'app=one'", "'one'"]),
        ("app=0", ["--cpus", "'app=0'", "positive"]),
        ("wrk=-1", ["--cpus", "'wrk=-1'", "positive"]),
        ("redis=nan", ["--cpus", "'redis=nan'"]),
        ("app=inf", ["--cpus", "'app=inf'"]),
        ("app=0.001", ["--cpus", "'app=0.001'", "0.01"]),
        ("app=1,", ["--cpus", "'app=1,'", "empty item"]),
        ("", ["--cpus", "empty"]),
    ],
)
def test_parse_cpus_rejects(text: str, parts: list[str]) -> None:
    with pytest.raises(UsageError) as excinfo:
        parse_cpus(text)
    usage_error(excinfo, *parts)


def test_cpu_request_text_round_trips() -> None:
    request = CpuRequest(app=0.5, wrk=2.0, redis=1.0)
    assert request.to_text() == "app=0.5,wrk=2,redis=1"
    assert parse_cpus(request.to_text()) == request
