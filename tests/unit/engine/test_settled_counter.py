"""RunStack.settled_counter: sockets closed, then the counter holding still."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lab.engine import stack as stack_module
from lab.engine.stack import RunStack


class Scripted(RunStack):
    """A RunStack with no engine: its socket table and counter follow a script."""

    def __init__(self, in_flight: list[int], counter: list[int]) -> None:  # no engine
        self.sockets: Iterator[int] = iter(in_flight)
        self.values: Iterator[int] = iter(counter)
        self.reads = 0

    def in_flight(self, app: Any) -> int:  # noqa: ARG002 - one app in a script
        return next(self.sockets, 0)

    def counter(self) -> int:
        self.reads += 1
        return next(self.values)


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stack_module, "COUNTER_QUIET_S", 0.001)


def test_the_counter_is_read_once_it_holds_still_after_the_sockets_closed() -> None:
    # uvicorn closed the sockets of a client that left, and its handlers still count.
    stack = Scripted(in_flight=[3, 1, 0], counter=[900, 950, 1000, 1000])
    assert stack.settled_counter(None, timeout_s=5) == (1000, 0)
    assert stack.reads == 4


def test_an_app_that_never_drains_its_sockets_is_reported_with_what_is_open() -> None:
    stack = Scripted(in_flight=[2] * 10_000, counter=[7])
    assert stack.settled_counter(None, timeout_s=0.05) == (7, 2)


def test_a_counter_still_moving_at_the_deadline_keeps_its_last_value() -> None:
    stack = Scripted(in_flight=[0], counter=list(range(1, 1_000_000)))
    value, in_flight = stack.settled_counter(None, timeout_s=0.02)
    assert in_flight == 0 and value > 1
