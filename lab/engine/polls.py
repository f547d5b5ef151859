"""Waits that look at the engine until something holds, timed on the port's `Clock`.

Each takes what it looks at as plain functions, so that the waiting itself is tested with a
clock that only moves when it is slept on, and RunStack only says what to look at.
"""

from __future__ import annotations

from collections.abc import Callable

from lab.engine.port import Clock

# How long the /hit counter must hold still, once the app's sockets are closed, to be read
# as final: far longer than one request's service time in any of the apps.
COUNTER_QUIET_S = 0.3
SOCKETS_POLL_S = 0.05
# A killed container's exec returns before the engine stops calling it running: 60-85 ms
# later here when idle, more under load. A trial that failed because its load container
# was killed would be blamed on the app if the ground were judged at once, so a ground that
# looks whole is looked at again for this long (paid only by trials that failed).
GROUND_SETTLE_S = 1.0
GROUND_POLL_S = 0.05


def wait_until(done: Callable[[], bool], timeout_s: float, poll_s: float, clock: Clock) -> bool:
    """Whether `done()` held within `timeout_s`, asked every `poll_s`."""
    deadline = clock.monotonic() + timeout_s
    while clock.monotonic() < deadline:
        if done():
            return True
        clock.sleep(poll_s)
    return False


def settled_counter(
    in_flight: Callable[[], int], counter: Callable[[], int], timeout_s: float, clock: Clock
) -> tuple[int, int]:
    """The counter once `in_flight()` is 0 and the counter held still for COUNTER_QUIET_S,
    and the connections still in flight when `timeout_s` ran out (0 when they drained).

    An empty socket table is not the end: uvicorn closes a connection its client left
    while the handler still runs, and that handler may still increment the counter
    (seen with Django: 245 counts over the ok responses after a slow warmup). If the
    counter is still moving at the deadline, its last value stands and the /hit invariant
    judges it.
    """
    deadline = clock.monotonic() + timeout_s
    while True:
        still_open = in_flight()
        if still_open == 0:
            break
        if clock.monotonic() >= deadline:
            return counter(), still_open
        clock.sleep(SOCKETS_POLL_S)
    value = counter()
    while clock.monotonic() < deadline:
        clock.sleep(COUNTER_QUIET_S)
        again = counter()
        if again == value:
            break
        value = again
    return value, 0


def settled_fault(look: Callable[[], str | None], clock: Clock) -> str | None:
    """The fault `look()` finds, looked for until GROUND_SETTLE_S passed without one."""
    deadline = clock.monotonic() + GROUND_SETTLE_S
    while True:
        fault = look()
        if fault is not None or clock.monotonic() >= deadline:
            return fault
        clock.sleep(GROUND_POLL_S)
