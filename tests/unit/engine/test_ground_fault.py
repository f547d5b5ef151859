"""RunStack.ground_fault: a ground that looks whole is looked at again before it is believed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lab.engine import stack as stack_module
from lab.engine.stack import RunStack

KILLED = "the run's trial's load container lab-x-wrk-2 is exited, exit code 137"


class Scripted(RunStack):
    """A RunStack with no engine: each look at its ground gives the next scripted answer."""

    def __init__(self, looks: list[str | None]) -> None:  # no engine
        self.looks: Iterator[str | None] = iter(looks)
        self.looked = 0

    def _ground_fault_now(self, load: Any = None) -> str | None:  # noqa: ARG002
        self.looked += 1
        return next(self.looks, None)


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stack_module, "GROUND_POLL_S", 0.001)


def test_a_killed_load_container_the_engine_still_calls_running_is_found(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Measured: the engine reports a killed container running 60-85 ms after its exec ended.
    monkeypatch.setattr(stack_module, "GROUND_SETTLE_S", 5.0)
    stack = Scripted([None, None, None, KILLED])
    assert stack.ground_fault() == KILLED
    assert stack.looked == 4


def test_a_fault_seen_at_once_is_returned_at_once() -> None:
    stack = Scripted([KILLED])
    assert stack.ground_fault() == KILLED
    assert stack.looked == 1


def test_a_whole_ground_is_believed_once_it_stayed_whole_for_the_settle_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(stack_module, "GROUND_SETTLE_S", 0.02)
    stack = Scripted([])
    assert stack.ground_fault() is None
    assert stack.looked > 1
