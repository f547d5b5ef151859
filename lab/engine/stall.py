"""--inject-stall: the app container paused on a schedule while a window is measured.

It exists to show what each mode makes of a stall: wrk (closed loop) stops asking while
the app is frozen, so the stall barely reaches its percentiles; the open-loop generator
keeps its schedule, so every request the stall delays is charged. The pauses are the
engine's (cgroup freezer), timed from a background thread; the schedule itself is
lab.model.openload.StallSpec's.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType

from lab.engine.port import Container, EngineRefused, EngineRequestFailed, Stack
from lab.model.openload import StallSpec


class StallInjector:
    """`with StallInjector(...)` around a measured window; `.stalls` says what happened.

    `lead_s` is the time from entering the `with` to the window's start (the generator's
    warmup). Leaving the `with` stops the schedule and always thaws the app.
    """

    def __init__(
        self, stack: Stack, app: Container, spec: StallSpec, window_s: float, lead_s: float = 0.0
    ) -> None:
        self.stack, self.app, self.spec = stack, app, spec
        self.offsets = spec.offsets(window_s)
        self.lead_s = lead_s
        self.stalls: list[tuple[float, float]] = []
        self.error: str | None = None
        self._stop = threading.Event()
        self._paused = False
        self._thread = threading.Thread(target=self._run, name="stall-injector", daemon=True)

    def __enter__(self) -> StallInjector:
        self._start = time.monotonic() + self.lead_s
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=self.spec.pause_s + 5)
        if self._paused:
            self._thaw()

    def _run(self) -> None:
        for offset in self.offsets:
            if self._stop.wait(max(0.0, self._start + offset - time.monotonic())):
                return
            began = time.monotonic()
            try:
                self.stack.pause(self.app)
                self._paused = True
                self._stop.wait(max(0.0, began + self.spec.pause_s - time.monotonic()))
                self.stack.unpause(self.app)
                self._paused = False
            except (EngineRefused, EngineRequestFailed) as exc:
                self.error = f"{getattr(exc, 'kind', type(exc).__name__)}: {exc}"
                return
            self.stalls.append((round(began - self._start, 3), round(time.monotonic() - began, 3)))
            if self._stop.is_set():
                return

    def _thaw(self) -> None:
        try:
            self.stack.unpause(self.app)
        except (EngineRefused, EngineRequestFailed) as exc:
            self.error = self.error or f"could not thaw the app: {exc}"
        self._paused = False
