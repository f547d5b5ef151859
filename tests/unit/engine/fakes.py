"""An engine in memory behind the port: scripted trials, recorded calls, no sleeping.

`FakeEngine(outcomes={2: Outcome(dies="exited, exit code 137")})` makes trial 2's
app die during the load; `fail_at={("start_app", 3): KeyboardInterrupt()}` raises at
the third app start; `ground="..."` is what the stack says is gone when a trial
fails (else what of its ground it has removed). An `EngineGone` raised there stays
raised: every later call fails as a dead engine's would, except the two that never raise
(log_tail, snapshot). tests/unit/engine/test_stack_behaviour.py holds it to RunStack's
behaviour.
"""

from __future__ import annotations

import contextlib
import html
import json
import random
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from lab.engine.port import (
    BRIDGE,
    Container,
    DatabaseSpec,
    EngineGone,
    HostUnavailable,
    ImageFacts,
    ImageMissing,
    LoadClient,
    NetworkPath,
)
from lab.images.build import Built
from lab.images.containers import AppSettings
from lab.images.specs import BASE_IMAGE, ImageSpec, image_specs
from lab.measure.histogram import from_values
from lab.measure.hostcpu import ContainerCpu, CpuTimes, HostSample, Throttling
from lab.measure.memory import MIB, ContainerMemory, ProcessReading, with_roles
from lab.measure.wrkjson import WrkOutputError, parse_wrk_output
from lab.model.catalog import builtin_catalog
from lab.model.placement import CpuSlot
from lab.model.scenarios import PAYLOAD_FILE, upload_answer
from lab.model.tables import QUERIES, WORLD_ROWS, Tables, expected_fortunes
from lab.results.execrecord import ExecRecord
from tests.unit.fixtures import docker_stats, wrk_payload, wrk_stdout

CALIBRATION_OUTPUT = '{"rounds_per_s": 1500.0}\n'


def wrk_lines(rps: int = 1000) -> str:
    """wrk's stdout for a 1 s run of `rps` requests, none of them errors."""
    errors = {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0}
    return wrk_stdout(wrk_payload(duration_us=1_000_000, requests=rps, errors=errors))


def openload_line(
    rate: float,
    *,
    capacity: float | None = None,
    latency_us: int = 1_000,
    slow_share: float = 0.0,
    slow_us: int = 500_000,
    window_s: float = 1.0,
    lag_p99_us: int = 50,
) -> str:
    """The generator's JSON line for a window of `window_s` at `rate`: every answer in
    `latency_us`, but `slow_share` of them in `slow_us`; an app of `capacity` req/s
    answers no more than that, and the rest of the window is dropped."""
    scheduled = round(rate * window_s)
    completed = min(scheduled, round(capacity * window_s)) if capacity else scheduled
    slow = round(completed * slow_share)
    values = [latency_us] * (completed - slow) + [slow_us] * slow
    latency = from_values(values).to_dict() if values else {"min": 0, "max": 0, "buckets": []}
    errors = {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0}
    return (
        json.dumps(
            {
                "schema": "lab.openload/1",
                "rate": rate,
                "connections": 64,
                "threads": 1,
                "warmup_s": 0.0,
                "duration_s": window_s,
                "timeout_s": 5.0,
                "window_us": round(window_s * 1e6),
                "elapsed_us": round(window_s * 1e6) + 1000,
                "scheduled": scheduled,
                "sent": completed,
                "completed": completed,
                "dropped": scheduled - completed,
                "bytes": completed * 130,
                "errors": errors,
                "latency_us": latency,
                "lag_us": {"p99": lag_p99_us, "max": lag_p99_us * 2},
                "interrupted": False,
            }
        )
        + "\n"
    )


@dataclass(frozen=True)
class Outcome:
    """What one trial's app does."""

    wrk: str = field(default_factory=wrk_lines)  # the stdout of every wrk run
    wrk_exit: int = 0
    report: dict[str, Any] | None = None  # the probe's fetch report; None: a right answer
    # The fetch report for a path of its own ("/json"), before `report` (a mix's parts).
    reports: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    ready_after: int | None = 0  # probe waits that find it not ready yet; None: never ready
    dies: str | None = None  # its state once wrk ran, e.g. "exited, exit code 137"
    log: str = "Booting worker with pid: 7"
    # What else took each CPU during the window: {cpu: {"foreign"|"softirq"|"steal": share}}.
    disturbed: Mapping[int, Mapping[str, float]] = field(default_factory=dict)
    host_unavailable: str | None = None  # why the host cannot be read, if it cannot
    throttling_kept: bool = True  # whether the cgroups keep CFS counters (v2 may not)
    memory_unavailable: str | None = None  # why the app's memory cannot be read, if not
    in_flight: int = 0  # connections it still holds open once the drain wait ran out
    # The open-loop generator's stdout at each rate (req/s); default: 1 ms answers, always.
    openload: Callable[[float], str] = openload_line


@dataclass(eq=False)
class FakeContainer:
    id: str
    name: str
    role: str
    image: str
    slot: CpuSlot | None = None
    outcome: Outcome = field(default_factory=Outcome)
    removed: bool = False
    loaded: bool = False  # wrk ran against it
    waits: int = 0


def own(handle: Container) -> FakeContainer:
    assert isinstance(handle, FakeContainer), f"not a container of the fake: {handle!r}"
    return handle


def fake_tables(seed: int) -> Tables:
    """A world of random numbers from `seed`, as the run's PostgreSQL would hold one."""
    rng = random.Random(seed)
    return Tables({i: rng.randint(1, WORLD_ROWS) for i in range(1, WORLD_ROWS + 1)})


def table_answer(path: str, tables: Tables) -> tuple[str, str]:
    """A right answer to a db scenario's request, and its media type."""
    world = tables.world
    if path == "/db":
        return json.dumps({"id": 7, "randomNumber": world[7]}), "application/json"
    if path.startswith("/queries"):
        rows = [{"id": i, "randomNumber": world[i]} for i in range(1, QUERIES + 1)]
        return json.dumps(rows), "application/json"
    cells = "".join(
        f"<tr><td>{i}</td><td>{html.escape(message)}</td></tr>"
        for i, message in expected_fortunes(tables.fortunes)
    )
    return f"<table><tr><th>id</th><th>message</th></tr>{cells}</table>", "text/html"


def right_answer(
    path: str, counter: int, request: Sequence[str] = (), tables: Tables | None = None
) -> dict[str, Any]:
    """Two right answers to the scenario at `path` (`request`: the probe's request words;
    `tables`: the run's database, for the db scenarios)."""
    elapsed = 0.0003
    if tables is not None and path.startswith(("/db", "/queries", "/fortunes")):
        body, kind = table_answer(path, tables)
        bodies = [body] * 2
    elif path == "/hit":
        bodies = [json.dumps({"hit": counter + 1}), json.dumps({"hit": counter + 2})]
        kind = "application/json"
    elif path == "/json":
        bodies, kind = [PAYLOAD_FILE.read_text()] * 2, "application/json"
    elif path == "/upload":
        bodies, kind = [json.dumps(upload_answer(int(request[1])))] * 2, "application/json"
    else:
        bodies, kind = ["Hello, world!"] * 2, "text/plain"
        elapsed = 0.0213 if path.startswith("/io") else elapsed
    responses = [
        {"status": 200, "headers": {"content-type": kind}, "body": b, "elapsed_s": elapsed}
        for b in bodies
    ]
    return {"responses": responses, "same_connection": True, "error": None}


class FakeWatch:
    """Samples 1 s apart: each role busy half of each of its CPUs, plus `disturbed`; each
    role throttled in one period of ten, 10 ms at a time."""

    def __init__(self, cpu_ids: Mapping[str, tuple[int, ...]], outcome: Outcome) -> None:
        self.cpu_ids = cpu_ids
        self.outcome = outcome
        self.taken = 0
        self.keeps_throttling = outcome.throttling_kept

    def sample(self) -> HostSample:
        t = float(self.taken)
        self.taken += 1
        cpus = sorted({cpu for ids in self.cpu_ids.values() for cpu in ids})
        run = {cpu: 0.5 * t * sum(cpu in ids for ids in self.cpu_ids.values()) for cpu in cpus}

        def times(cpu: int) -> CpuTimes:
            extra = self.outcome.disturbed.get(cpu, {})
            return CpuTimes(
                user=run[cpu] + t * extra.get("foreign", 0.0),
                nice=0.0,
                system=0.0,
                idle=0.0,
                iowait=0.0,
                irq=0.0,
                softirq=t * extra.get("softirq", 0.0),
                steal=t * extra.get("steal", 0.0),
            )

        throttling = Throttling(int(10 * t), int(t), 0.01 * t)
        containers = {
            role: ContainerCpu(
                ids,
                0.5 * t * len(ids),
                {cpu: 0.5 * t for cpu in ids},
                throttling if self.outcome.throttling_kept else None,
            )
            for role, ids in self.cpu_ids.items()
        }
        return HostSample(t, {cpu: times(cpu) for cpu in cpus}, containers, 0.001 * t)

    def memory(self, role: str) -> ContainerMemory:
        """A gunicorn master of 20 MiB and two workers of 40 MiB (PSS), peaking at 120."""
        assert role in self.cpu_ids, role
        if self.outcome.memory_unavailable is not None:
            raise HostUnavailable(self.outcome.memory_unavailable)
        master = ProcessReading(7, 1, "gunicorn: master", 30 * MIB, 20 * MIB)
        workers = [ProcessReading(p, 7, "gunicorn: worker", 50 * MIB, 40 * MIB) for p in (8, 9)]
        return ContainerMemory("v1", 120 * MIB, 100 * MIB, 80 * MIB, with_roles([master, *workers]))


class FakeStack:
    def __init__(
        self,
        engine: FakeEngine,
        run_id: str,
        images: tuple[str, str],
        slots: tuple[CpuSlot, ...],
        database: DatabaseSpec | None = None,
    ) -> None:
        self.engine = engine
        self.run_id = run_id
        self.network_name = f"lab-{run_id}-net"
        self.path = BRIDGE
        self.containers: list[FakeContainer] = []
        self.redis = self._container("redis", "redis", images[0], slot=slots[0])
        self.load = self._container("wrk", "wrk", images[1], slot=slots[1])
        self.postgres: FakeContainer | None = None
        self.tables: Tables | None = None
        if database is not None:  # beside Redis, on its CPUs, as RunStack places it
            self.postgres = self._container("postgres", "postgres", database.image, slot=slots[0])
            self.tables = fake_tables(database.seed)
        self.counter = 0
        self.samples = 0
        self.cleared = engine.left_over

    def _container(self, role: str, name: str, image: str, **fields: Any) -> FakeContainer:
        number = f"{len(self.containers):064x}"
        container = FakeContainer(number, f"lab-{self.run_id}-{name}", role, image, **fields)
        self.containers.append(container)
        return container

    def __enter__(self) -> FakeStack:
        try:
            self.engine.call("open", self.run_id)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.engine.call("close", self.run_id)
        for container in self.containers:
            container.removed = True
        self.engine.closed.append(self.run_id)

    def network_internal(self) -> bool:
        self.engine.call("network_internal")
        return True

    def start_app(self, trial_index: int, settings: AppSettings, slot: CpuSlot) -> FakeContainer:
        self.engine.call("start_app", trial_index, settings.image)
        outcome = self.engine.outcomes.get(trial_index, Outcome())
        return self._container(
            "app", f"app-{trial_index}", settings.image, slot=slot, outcome=outcome
        )

    def load_for(self, app: Container, trial_index: int) -> LoadClient:
        self.engine.call("load_for", app.name, trial_index)
        if self.path.mode == "bridge":
            return LoadClient(self.load, "http://app:8000", owned=False)
        if self.path.mode == "host":
            return LoadClient(self.load, f"http://{self.path.app_address}:8000", owned=False)
        mine = self._container("wrk", f"wrk-{trial_index}", self.load.image, slot=self.load.slot)
        return LoadClient(mine, "http://127.0.0.1:8000", owned=True)

    def _app(self) -> FakeContainer:
        return next(c for c in reversed(self.containers) if c.role == "app")

    def exec_load(self, command: list[str], on: Container | None = None) -> ExecRecord:
        self.engine.call("exec_load", (on or self.load).name, *command)
        app = self._app()
        app.loaded = True
        outcome = app.outcome
        if command[0] in self.engine.programs:
            return ExecRecord(tuple(command), 0, self.engine.programs[command[0]](command), "")
        if command[0] == "openload":
            rate = float(command[command.index("-R") + 1])
            return ExecRecord(tuple(command), 0, outcome.openload(rate), "")
        if command[-1].endswith("/hit"):
            with contextlib.suppress(WrkOutputError):
                self.counter += parse_wrk_output(outcome.wrk).ok_responses
        return ExecRecord(tuple(command), outcome.wrk_exit, outcome.wrk, "")

    def probe(self, *args: str, on: Container | None = None) -> dict[str, Any]:
        self.engine.call("probe", (on or self.load).name, *args)
        app = self._app()
        if args[0] == "wait":
            app.waits += 1
            ready_after = app.outcome.ready_after
            ready = ready_after is not None and app.waits > ready_after
            return {"ready": ready, "last_error": None if ready else "connection refused"}
        path = "/" + args[1].split("/", 3)[3]
        if path in app.outcome.reports:
            return app.outcome.reports[path]
        if app.outcome.report is not None:
            return app.outcome.report
        report = right_answer(path, self.counter, args[4:], self.tables)
        self.counter += 2 if path == "/hit" else 0
        return report

    def run_to_end(
        self, role: str, name: str, image: str, slot: CpuSlot, command: list[str]
    ) -> str:
        self.engine.call("run_to_end", role, name, image, slot.cpuset, *command[:2])
        return CALIBRATION_OUTPUT

    def reset_counter(self) -> None:
        self.engine.call("reset_counter")
        self.counter = 0

    def settled_counter(self, app: Container, timeout_s: float) -> tuple[int, int]:
        self.engine.call("settled_counter", app.name, timeout_s)
        return self.counter, own(app).outcome.in_flight

    def ground_fault(self, load: Container | None = None) -> str | None:
        self.engine.call("ground_fault", None if load is None else load.name)
        if self.engine.ground is not None:
            return self.engine.ground
        owned = [("trial's load", own(load))] if load is not None else []
        stores = [("postgres", self.postgres)] if self.postgres is not None else []
        for role, container in [("redis", self.redis), *stores, ("load", self.load), *owned]:
            if container.removed:
                return f"the run's {role} container {container.name} is removed"
        return None

    def snapshot(self, containers: Mapping[str, Container]) -> dict[str, dict[str, Any] | None]:
        if self.engine.gone is not None:
            return dict.fromkeys(containers)
        self.engine.call("snapshot", *containers)
        self.samples += 1
        read = f"2026-11-25T01:00:{self.samples:02d}.000000000Z"
        return {role: docker_stats(read, self.samples * 900_000_000) for role in containers}

    def watch_host(
        self, containers: Mapping[str, Container], cpu_ids: Mapping[str, tuple[int, ...]]
    ) -> FakeWatch:
        self.engine.call("watch_host", *containers)
        outcome = self._app().outcome
        if outcome.host_unavailable is not None:
            raise HostUnavailable(outcome.host_unavailable)
        return FakeWatch(cpu_ids, outcome)

    def pause(self, handle: Container) -> None:
        self.engine.call("pause", own(handle).name)

    def unpause(self, handle: Container) -> None:
        self.engine.call("unpause", own(handle).name)

    def is_running(self, handle: Container) -> tuple[bool, str]:
        container = own(handle)
        self.engine.call("is_running", container.name)
        if container.removed:
            return False, "removed"
        if container.outcome.dies and container.loaded:
            return False, container.outcome.dies
        return True, "running"

    def log_tail(self, handle: Container, lines: int = 40) -> str:
        self.engine.calls.append(("log_tail", handle.name, lines))  # never raises
        if self.engine.gone is not None:
            return f"(no log: {self.engine.gone})"
        if own(handle).removed:
            return f"(no log: 404 Client Error: No such container: {handle.id})"
        return own(handle).outcome.log

    def remove(self, handle: Container) -> None:
        container = own(handle)
        self.engine.call("remove", container.name)
        container.removed = True

    def applied_limits(self, handle: Container) -> dict[str, Any]:
        container = own(handle)
        self.engine.call("applied_limits", container.name)
        cpuset = container.slot.cpuset if container.slot else "0"
        return {"cpuset": cpuset, "cpus_quota": None, "memory_bytes": 2**30}

    def isolation_facts(self, handle: Container) -> dict[str, Any]:
        self.engine.call("isolation_facts", handle.name)
        return {"user": "lab", "cap_drop": ["ALL"], "networks": [self.network_name]}


def fake_built(prefix: str = "1") -> list[Built]:
    """One built image of each spec, with IDs that start with `prefix`."""
    return [
        Built(spec.name, f"lab/{spec.name}:in-{prefix}", f"sha256:{prefix}{n:063x}", rebuilt=True)
        for n, spec in enumerate(image_specs(builtin_catalog()))
    ]


class FakeEngine:
    def __init__(
        self,
        outcomes: Mapping[int, Outcome] | None = None,
        fail_at: Mapping[tuple[str, int], BaseException] | None = None,
        built: list[Built] | None = None,
        ground: str | None = None,
        left_over: tuple[int, int] = (0, 0),
        lost: tuple[str, ...] = (),
        programs: Mapping[str, Callable[[Sequence[str]], str]] | None = None,
    ) -> None:
        self.outcomes = dict(outcomes or {})
        # What the load image's other programs print, by name: a function of the command
        # (wrk and openload print what each trial's Outcome says).
        self.programs = dict(programs or {})
        self.fail_at = dict(fail_at or {})
        self.built = fake_built() if built is None else built
        self.held = {item.image_id: item for item in self.built}
        self.calls: list[tuple[Any, ...]] = []
        self.counts: Counter[str] = Counter()
        self.stacks: list[FakeStack] = []
        self.closed: list[str] = []
        self.gone: EngineGone | None = None
        # What of the run's ground a trial that fails finds gone (None: all of it there).
        self.ground = ground
        # What an earlier session of the run left on the engine, for the stack to clear.
        self.left_over = left_over
        # The engines `unanswering` names once the engine is gone (a run on several).
        self.lost = lost

    def call(self, method: str, *args: Any) -> None:
        """Record a call; raise what `fail_at` says, or what a lost engine would."""
        self.counts[method] += 1
        self.calls.append((method, *args))
        if self.gone is not None:
            raise EngineGone(str(self.gone), self.gone.kind)
        failure = self.fail_at.get((method, self.counts[method]))
        if isinstance(failure, EngineGone):
            self.gone = failure
        if failure is not None:
            raise failure

    def called(self, method: str) -> list[tuple[Any, ...]]:
        return [call[1:] for call in self.calls if call[0] == method]

    def build_images(
        self,
        root: Path,
        workdir: Path,
        say: Callable[[str], None],
        specs: Sequence[ImageSpec] | None = None,
    ) -> list[Built]:
        self.call("build_images", root, workdir)
        wanted = None if specs is None else {spec.name for spec in specs}
        built = [item for item in self.built if wanted is None or item.name in wanted]
        say(f"{len(built)} images up to date")
        return built

    def image(self, ref: str) -> ImageFacts:
        self.call("image", ref)
        if ref == BASE_IMAGE:
            return ImageFacts("sha256:" + "b" * 64, {"lab.image": "base"})
        if ref not in self.held:
            raise ImageMissing(ref)
        name = self.held[ref].name
        return ImageFacts(ref, {"lab.image": name, "lab.lock-hash": f"lock-of-{name}"})

    def facts(self) -> dict[str, Any]:
        self.call("facts")
        return {"version": "20.10.24", "api_version": "1.41", "kernel": "6.1", "cpus": 2}

    def distribute(self, built: Sequence[Built], say: Callable[[str], None]) -> None:  # noqa: ARG002
        self.call("distribute", tuple(item.name for item in built))

    def unanswering(self) -> list[str]:
        return list(self.lost) if self.gone is not None else []

    def run_stack(
        self,
        run_id: str,
        redis_image: str,
        load_image: str,
        redis: CpuSlot,
        wrk: CpuSlot,
        network: NetworkPath = BRIDGE,
        database: DatabaseSpec | None = None,
    ) -> FakeStack:
        stack = FakeStack(self, run_id, (redis_image, load_image), (redis, wrk), database)
        stack.path = network
        self.stacks.append(stack)
        return stack


class FakeClock:
    """Every reading, wall-clock or monotonic, moves the clock `tick_s` (a second by
    default); a sleep moves it by what is slept, at once."""

    def __init__(self, tick_s: float = 1.0) -> None:
        self.ticks = 0
        self.tick_s = tick_s
        self.at = 0.0
        self.slept: list[float] = []

    def now(self) -> str:
        self.ticks += 1
        self.at += self.tick_s
        return f"2026-11-25T02:{self.ticks // 60:02d}:{self.ticks % 60:02d}.000+00:00"

    def monotonic(self) -> float:
        self.ticks += 1
        self.at += self.tick_s
        return self.at

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.at += seconds


@dataclass
class RecordingReporter:
    messages: list[str] = field(default_factory=list)
    begun: list[tuple[Path, int, int, float]] = field(default_factory=list)
    started: list[int] = field(default_factory=list)
    extended: list[tuple[int, str]] = field(default_factory=list)
    finished: list[int] = field(default_factory=list)
    ended: int = 0

    def message(self, text: str) -> None:
        self.messages.append(text)

    def begin(self, run_dir: Path, trials: Any, planned: int, estimate_s: float) -> None:
        self.begun.append((run_dir, len(trials), planned, estimate_s))

    def extend(self, trials: Any, why: str) -> None:
        self.extended.append((len(trials), why))

    def trial_started(self, trial: Any) -> None:
        self.started.append(trial.index)

    def trial_finished(self, record: Any) -> None:
        self.finished.append(record.index)

    def end(self) -> None:
        self.ended += 1
