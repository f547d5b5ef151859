"""The load generator as a port, as hyperfine's `Executor`: how to run one for a window, and
how to read the one record its run leaves.

A `Generator` knows nothing of apps, readings or records: lab.engine.lifecycle starts the
app, runs the generator in the load container, takes every reading around the window
(the host's evidence, each role's CPU, the injected stalls) and removes the app, whichever
generator it is. wrk (closed loop, lab.engine.generators.wrk) and openload (open loop,
lab.engine.generators.openload) are its two implementations; both harness ceilings use
them against the static server. A new generator is one module here, with its tests.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from lab.model.mix import Mix
from lab.model.scenarios import Request
from lab.results.execrecord import ExecRecord

Result = TypeVar("Result")


class Generator(Protocol[Result]):
    """A load generator, run by `exec` in the run's load container."""

    @property
    def lead_s(self) -> float:
        """Seconds of its own unrecorded warmup at the start of each run, before its window
        (an injected stall's schedule starts after them); 0 for one that has none."""
        ...

    def command(self, url: str, request: Request | Mix, seconds: float) -> list[str]:
        """The command that sends `request` to `url` (its path and query included), or a
        mix's requests by weight to the app at `url`, for a window of `seconds` (after
        its lead)."""
        ...

    def parse(self, run: ExecRecord) -> Result:
        """Its result, from one run's record; a ValueError when the output is unusable."""
        ...

    def load_seconds(self, result: Result) -> float:
        """How long that run loaded the app, its lead included: the basis of CPU shares."""
        ...
