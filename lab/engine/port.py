"""What a run needs of the engine, as types: the runner and a trial talk only to these.

`Engine` builds or finds images, says what the engine is, and opens a run's `Stack`
(as a context manager: leaving it removes everything of the run). The real side is
`lab.engine.adapter.DockerEngine` with `lab.engine.stack.RunStack`; the tests have an
in-memory one. Engine failures reach the caller as the exceptions below, never as
docker-py's or requests' own.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from lab.images.build import Built
from lab.images.containers import AppSettings
from lab.images.specs import ImageSpec
from lab.measure.hostcpu import HostSample
from lab.measure.memory import ContainerMemory
from lab.model.placement import CpuSlot
from lab.model.plan import Blueprint
from lab.model.tables import Tables
from lab.results.execrecord import ExecRecord

ENGINE_HINT = (
    "start Docker, or run `make engine` (installs and starts one on Debian/Ubuntu as root)"
)


@dataclass(frozen=True, slots=True)
class DatabaseSpec:
    """What a run's PostgreSQL is made from: its image, and the seed of its tables."""

    image: str
    seed: int


class StackError(Exception):
    """Something in the run's containers went wrong; the message says what."""


class EngineRefused(StackError):
    """The engine answered a request with an error (no such container, a conflict...).

    `kind` is the engine client's name for the error, so that a record reads as
    `NotFound: ...` and not as the name of this class.
    """

    def __init__(self, message: str, kind: str = "APIError") -> None:
        super().__init__(message)
        self.kind = kind


class EngineRequestFailed(Exception):
    """A request to the engine got no answer at all (a timeout, a dropped connection)."""

    def __init__(self, message: str, kind: str = "RequestException") -> None:
        super().__init__(message)
        self.kind = kind


class EngineGone(EngineRequestFailed):
    """The engine refuses connections: it stopped, or its socket went away."""


class GroundLost(Exception):
    """The run's own ground went from under a trial: its network, Redis or load container.

    Not the app's doing, so the trial it happened in is not recorded; the run stops and
    `--resume` runs that trial again. The message says what is gone.
    """


class HostUnavailable(Exception):
    """The engine's host cannot be read from here; the message says why, for the record."""


class HostWatch(Protocol):
    """Readings of the engine's host for one trial's containers."""

    # Whether every container's cgroup keeps its CFS counters, so that two samples say its
    # whole CPU use (cgroup v2 keeps them only under the cpu controller).
    keeps_throttling: bool

    def sample(self) -> HostSample:
        """The host now; HostUnavailable when it cannot be read any more."""
        ...

    def memory(self, role: str) -> ContainerMemory:
        """The role's container's memory now (its cgroup's and its processes');
        HostUnavailable, saying why, when the host keeps none readable here."""
        ...


class ImageMissing(Exception):
    """The engine holds no image under this reference."""


class Container(Protocol):
    """One of the run's containers; opaque, only the stack that made it looks inside."""

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...


@dataclass(frozen=True, slots=True)
class LoadClient:
    """Where probes and wrk run for one trial, and the URL the app answers them at."""

    container: Container
    base_url: str
    owned: bool  # a per-trial container, removed with the trial


@dataclass(frozen=True, slots=True)
class NetworkPath:
    """How wrk reaches the app, decided once for the run (lab.engine.network holds what
    each means): across the run's own network (`bridge`), from inside the app's network
    namespace (`shared`), or over the hosts' network (`host`: roles on different engines
    share no Docker network), the app and Redis then listening at their hosts' addresses."""

    mode: str = "bridge"
    app_address: str = ""
    redis_address: str = ""

    @classmethod
    def of(cls, plan: Blueprint) -> NetworkPath:
        if plan.network_path != "host":
            return cls(plan.network_path)
        return cls("host", plan.address("app"), plan.address("redis"))


BRIDGE = NetworkPath()


@dataclass(frozen=True, slots=True)
class ImageFacts:
    id: str
    labels: dict[str, str]


class Stack(Protocol):
    """The run's internal network, Redis and load container; one app container at a time."""

    @property
    def redis(self) -> Container: ...

    @property
    def tables(self) -> Tables | None:
        """What the run's PostgreSQL holds; None when no planned scenario needs one."""
        ...

    @property
    def postgres(self) -> Container | None: ...

    @property
    def load(self) -> Container: ...

    @property
    def network_name(self) -> str: ...

    @property
    def cleared(self) -> tuple[int, int]:
        """The containers and networks an earlier session of this run left, removed when
        the stack opened (a resumed run that had lost its engine)."""
        ...

    def network_internal(self) -> bool:
        """Whether the engine says the run's network is internal (no way out)."""
        ...

    def start_app(self, trial_index: int, settings: AppSettings, slot: CpuSlot) -> Container:
        """A fresh, started app container that answers at the alias `app`."""
        ...

    def load_for(self, app: Container, trial_index: int) -> LoadClient:
        """Where a trial's probes and load run, on the run's network path."""
        ...

    def exec_load(self, command: list[str], on: Container | None = None) -> ExecRecord:
        """Run a command in a load container (the run's own unless `on` says otherwise)."""
        ...

    def probe(self, *args: str, on: Container | None = None) -> dict[str, Any]:
        """The probe's JSON report; StackError when it printed none."""
        ...

    def run_to_end(
        self, role: str, name: str, image: str, slot: CpuSlot, command: list[str]
    ) -> str:
        """A throwaway container with no network; its stdout, or StackError if it failed."""
        ...

    def reset_counter(self) -> None: ...

    def settled_counter(self, app: Container, timeout_s: float) -> tuple[int, int]:
        """Redis's hit counter once the app has no request in flight, and the connections
        still in flight when `timeout_s` ran out (0 when the app drained in time)."""
        ...

    def ground_fault(self, load: Container | None = None) -> str | None:
        """What of the run's own ground is gone or broken — its network, Redis, the load
        container, or `load` (a trial's own) — in words; None when all of it is there.
        EngineGone when the engine itself is."""
        ...

    def snapshot(self, containers: Mapping[str, Container]) -> dict[str, dict[str, Any] | None]:
        """One engine stats sample per role, taken side by side; None where there is none."""
        ...

    def watch_host(
        self, containers: Mapping[str, Container], cpu_ids: Mapping[str, tuple[int, ...]]
    ) -> HostWatch:
        """Readings of the host for these containers (by role, with their CPUs).

        HostUnavailable when the engine's host cannot be read from here.
        """
        ...

    def pause(self, container: Container) -> None:
        """Freeze every process of the container (the engine's cgroup freezer)."""
        ...

    def unpause(self, container: Container) -> None:
        """Thaw a paused container; one that is not paused (or gone) is fine."""
        ...

    def is_running(self, container: Container) -> tuple[bool, str]:
        """Whether it runs, and its state in words (e.g. `exited, exit code 137`)."""
        ...

    def log_tail(self, container: Container, lines: int = 40) -> str:
        """Its last log lines; never raises (the text says why there is no log)."""
        ...

    def remove(self, container: Container) -> None:
        """Gone, with force; one already gone is fine."""
        ...

    def applied_limits(self, container: Container) -> dict[str, Any]:
        """The CPU and memory limits the engine applied, read back from the container."""
        ...

    def isolation_facts(self, container: Container) -> dict[str, Any]:
        """What the engine says about the container's confinement, for the record."""
        ...


class Engine(Protocol):
    """Images, the engine's own facts, and the run's stack."""

    def build_images(
        self,
        root: Path,
        workdir: Path,
        say: Callable[[str], None],
        specs: Sequence[ImageSpec] | None = None,
    ) -> list[Built]:
        """The images of `specs` (default: all of the lab's), built where inputs changed."""
        ...

    def distribute(self, built: Sequence[Built], say: Callable[[str], None]) -> None:
        """Every role's engine holds the images it starts, under the same IDs; refused
        (UsageError) when an engine holds one of the tags under another ID."""
        ...

    def image(self, ref: str) -> ImageFacts:
        """The image's ID and labels; ImageMissing when the engine has none by `ref`."""
        ...

    def facts(self) -> dict[str, Any]:
        """What a result needs to say about the engine (version, kernel, CPUs...); with
        roles on several engines, the app's, and each engine's under `engines`."""
        ...

    def unanswering(self) -> list[str]:
        """The run's engines that do not answer now, each named by its roles and URL."""
        ...

    def run_stack(
        self,
        run_id: str,
        redis_image: str,
        load_image: str,
        redis: CpuSlot,
        wrk: CpuSlot,
        network: NetworkPath = BRIDGE,
        database: DatabaseSpec | None = None,
    ) -> AbstractContextManager[Stack]:
        """The run's stack, opened on entry and removed, whatever happened, on exit."""
        ...


class Clock(Protocol):
    """Time as a run reads it: wall-clock stamps for records, a monotonic one for waits,
    and the sleeps between a wait's looks."""

    def now(self) -> str: ...

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> str:
        return datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)
