"""The first Ctrl-C stops the command where it is; a second ends the process at once."""

from __future__ import annotations

import signal

import pytest

from lab.cli.interrupts import AGAIN, Interrupts, install
from lab.errors import EXIT_INTERRUPTED


def test_the_first_interrupt_raises_where_the_program_is_and_the_second_exits() -> None:
    written: list[str] = []
    exits: list[int] = []
    handler = Interrupts(written.append, exits.append)
    with pytest.raises(KeyboardInterrupt):
        handler(signal.SIGINT, None)
    assert written == [] and exits == []
    handler(signal.SIGTERM, None)
    assert exits == [EXIT_INTERRUPTED]
    (line,) = written
    assert line == AGAIN + "\n" and "lab.managed=true" in line and "lab clean" in line


def test_install_handles_sigint_and_sigterm_alike() -> None:
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    try:
        handler = install()
        assert signal.getsignal(signal.SIGINT) is handler
        assert signal.getsignal(signal.SIGTERM) is handler
    finally:
        signal.signal(signal.SIGINT, before[0])
        signal.signal(signal.SIGTERM, before[1])
