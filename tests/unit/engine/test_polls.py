"""The engine waits of lab.engine.polls, on a clock that moves only when it is slept on."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, TypeVar

from lab.engine.polls import GROUND_SETTLE_S, settled_counter, settled_fault, wait_until
from tests.unit.engine.fakes import FakeClock

KILLED = "the run's trial's load container lab-x-wrk-2 is exited, exit code 137"
T = TypeVar("T")


class Script(Generic[T]):
    """Each call gives the next value, then `then` for ever; `calls` counts them."""

    def __init__(self, values: Iterable[T], then: T) -> None:
        self.values = iter(values)
        self.then = then
        self.calls = 0

    def __call__(self) -> T:
        self.calls += 1
        return next(self.values, self.then)


def test_the_counter_is_read_once_it_holds_still_after_the_sockets_closed() -> None:
    # uvicorn closed the sockets of a client that left, and its handlers still count.
    sockets, counter = Script([3, 1, 0], then=0), Script([900, 950, 1000, 1000], then=1000)
    clock = FakeClock(tick_s=0.0)
    assert settled_counter(sockets, counter, 5, clock) == (1000, 0)
    assert counter.calls == 4


def test_an_app_that_never_drains_its_sockets_is_reported_with_what_is_open() -> None:
    sockets, counter = Script([], then=2), Script([7], then=7)
    assert settled_counter(sockets, counter, 0.05, FakeClock(tick_s=0.0)) == (7, 2)


def test_a_counter_still_moving_at_the_deadline_keeps_its_last_value() -> None:
    counter = Script(range(1, 1_000_000), then=0)
    value, in_flight = settled_counter(lambda: 0, counter, 0.02, FakeClock(tick_s=0.0))
    assert in_flight == 0 and value > 1


def test_a_killed_load_container_the_engine_still_calls_running_is_found() -> None:
    # Measured: the engine reports a killed container running 60-85 ms after its exec ended.
    looks: Script[str | None] = Script([None, None, None, KILLED], then=None)
    assert settled_fault(looks, FakeClock(tick_s=0.0)) == KILLED
    assert looks.calls == 4


def test_a_fault_seen_at_once_is_returned_at_once() -> None:
    looks: Script[str | None] = Script([KILLED], then=None)
    clock = FakeClock(tick_s=0.0)
    assert settled_fault(looks, clock) == KILLED
    assert looks.calls == 1 and clock.slept == []


def test_a_whole_ground_is_believed_once_it_stayed_whole_for_the_settle_time() -> None:
    looks: Script[str | None] = Script([], then=None)
    clock = FakeClock(tick_s=0.0)
    assert settled_fault(looks, clock) is None
    assert looks.calls > 1
    assert sum(clock.slept) >= GROUND_SETTLE_S - 1e-9


def test_a_wait_gives_up_at_its_deadline_and_says_so() -> None:
    answers = Script([False, False, True], then=True)
    assert wait_until(answers, 20.0, 0.2, FakeClock(tick_s=0.0)) is True
    assert answers.calls == 3
    never = Script([], then=False)
    clock = FakeClock(tick_s=0.0)
    assert wait_until(never, 1.0, 0.2, clock) is False
    assert never.calls == 5
