"""Ctrl-C and SIGTERM: the first stops the command and lets it clean up, a second exits.

The first raises KeyboardInterrupt where the program is, as Python's own handler does;
the run then removes its containers and network and writes what finished. A user who
presses Ctrl-C again does not want to wait for that: the process ends at once, saying
what may be left behind and how to remove it.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from types import FrameType

from lab.errors import EXIT_INTERRUPTED

AGAIN = (
    "lab: interrupted again: exiting now, before clean-up finished; containers and a "
    "network labelled lab.managed=true may be left on the engine — "
    "`python -m lab clean` removes them"
)


class Interrupts:
    """The handler for SIGINT and SIGTERM; `exit` is os._exit (no clean-up, no waiting)."""

    def __init__(self, write: Callable[[str], None], exit: Callable[[int], object]) -> None:
        self.write = write
        self.exit = exit
        self.received = 0

    def __call__(self, _signum: int, _frame: FrameType | None) -> None:
        self.received += 1
        if self.received == 1:
            raise KeyboardInterrupt
        self.write(AGAIN + "\n")
        self.exit(EXIT_INTERRUPTED)


def install() -> Interrupts:
    """Handle SIGINT and SIGTERM (CI, `docker stop`, a closed terminal) alike."""
    handler = Interrupts(_write_stderr, os._exit)
    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    return handler


def _write_stderr(text: str) -> None:
    # os.write: no buffer to flush, and os._exit flushes none.
    os.write(2, text.encode())
