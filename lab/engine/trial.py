"""One trial: a fresh app container, checked, warmed up, measured, and recorded.

The order of a trial:
  start the app → wait until it answers → reset the counter → verify the answers →
  warm up (not recorded) → the app drained, then the counter → CPU counters and host
  before → wrk → host and CPU counters after → the app drained, then the counter →
  is the app still alive? → the record (failed ones keep the app's log) → remove the app.

A failure is the app's only when the run's own ground is still whole: before a failed
record is written, the stack is asked whether its network, Redis and load container are
all there. When they are not, or the engine does not answer, the trial raises (GroundLost,
EngineRequestFailed) and is not recorded, so `--resume` runs it again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from lab.engine.port import (
    Clock,
    Container,
    GroundLost,
    HostUnavailable,
    HostWatch,
    LoadClient,
    Stack,
    StackError,
)
from lab.engine.stall import StallInjector
from lab.images.containers import APP_PORT, AppSettings, redis_url
from lab.measure.cpu import CpuUse, cpu_use, measure_cpu_between
from lab.measure.hostcpu import HostSample, host_evidence
from lab.measure.verify import VERIFIERS
from lab.measure.wrkjson import WrkOutputError, parse_wrk_output
from lab.model.catalog import SCENARIOS
from lab.model.fairness import server_command
from lab.model.plan import Blueprint, Trial
from lab.results.judging import record_from_wrk
from lab.results.records import TrialRecord, failed_record
from lab.text import plural

REPORTER = "/opt/lab/report.lua"
DRAIN_MARGIN_S = 5.0


def wrk_command(
    url: str, threads: int, connections: int, seconds: float, timeout_s: float
) -> list[str]:
    # The configuration holds whole seconds only: wrk's -d and --timeout take no fractions.
    return [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{int(seconds)}s",
        f"--timeout={int(timeout_s)}s",
        "--latency",
        "-s",
        REPORTER,
        url,
    ]


def app_settings(plan: Blueprint, name: str, images: Mapping[str, str]) -> AppSettings:
    """How to start the app a trial names: its image's ID and its server's command
    under the run's fairness policy."""
    app = plan.app(name)
    settings = AppSettings(
        images[app.image], server_command(app.server, plan.policy), plan.config.app_env
    )
    if plan.network_path != "host":
        return settings
    # On the hosts' network: Redis at its host's address, the server at the app's.
    return replace(
        settings,
        redis_url=redis_url(plan.address("redis")),
        listen=f"{plan.address('app')}:{APP_PORT}" if settings.command is None else None,
    )


class TrialFailed(Exception):
    """Ends a trial before wrk runs; the message is the trial's reason."""


def run_trial(
    stack: Stack, trial: Trial, plan: Blueprint, images: Mapping[str, str], clock: Clock
) -> TrialRecord:
    """Run `trial` and return its record; failures are records too, never exceptions.

    `images` maps each image name to the image ID the containers start from.
    """
    config = plan.config
    scenario = SCENARIOS[trial.scenario]
    common: dict[str, Any] = {
        "index": trial.index,
        "app": trial.app,
        "scenario": trial.scenario,
        "connections": trial.connections,
        "repetition": trial.repetition,
        "threads": plan.threads,
        "duration_s": config.duration_s,
        "started_at": clock.now(),
    }
    settings = app_settings(plan, trial.app, images)
    container: Container | None = None
    load: LoadClient | None = None
    verification: dict[str, Any] | None = None
    try:
        container = stack.start_app(trial.index, settings, plan.placement.app)
        verification = {
            "applied": stack.applied_limits(container),
            "isolation": stack.isolation_facts(container),
            "network_path": plan.network_path,
        }
        load = stack.load_for(container, trial.index)
        wait_ready(stack, container, load, config.ready_timeout_s, clock)
        if scenario.uses_redis:
            stack.reset_counter()
        url = load.base_url + scenario.path
        report = stack.probe("fetch", url, "--requests", "2", on=load.container)
        problems = VERIFIERS[trial.scenario](report)
        verification.update({"report": report, "problems": problems})
        if problems:
            raise TrialFailed("verification failed: " + "; ".join(problems))

        def load_for(seconds: float) -> list[str]:
            return wrk_command(url, plan.threads, trial.connections, seconds, config.timeout_s)

        if config.warmup_s > 0:
            warm = stack.exec_load(load_for(config.warmup_s), on=load.container)
            verification["warmup_exit_code"] = warm.exit_code
        roles = {"app": container, "wrk": load.container, "redis": stack.redis}
        # A request wrk gave up on after --timeout may take the app about as long again.
        drain_s = 2 * config.timeout_s + DRAIN_MARGIN_S
        counter_before = None
        if scenario.uses_redis:
            counter_before, in_flight = stack.settled_counter(container, drain_s)
            if in_flight:
                raise TrialFailed(_still_open(in_flight, drain_s, "the warmup"))
        cpu_ids = {slot.role: slot.cpu_ids for slot in plan.placement.slots}
        window = _Window(stack, roles, cpu_ids)
        verification["cpu_source"] = window.cpu_source
        command = load_for(config.duration_s)
        window.begin()
        if config.inject_stall is not None:
            with StallInjector(stack, container, config.inject_stall, config.duration_s) as stall:
                measured = stack.exec_load(command, on=load.container)
            verification["injected_stalls"] = {"stalls": stall.stalls, "error": stall.error}
        else:
            measured = stack.exec_load(command, on=load.container)
        window.end()
        counter_after, in_flight = (
            stack.settled_counter(container, drain_s) if scenario.uses_redis else (None, 0)
        )
        alive, state = stack.is_running(container)
        failure = None if alive else f"app container {state} during the trial"
        if alive and in_flight:
            failure = _still_open(in_flight, drain_s, "the load")
        load_s = _load_seconds(measured.stdout)
        cpu = {slot.role: window.cpu(slot.role, slot.cpus, load_s) for slot in plan.placement.slots}
        record = record_from_wrk(
            **common,
            finished_at=clock.now(),
            wrk=measured,
            cpu=cpu,
            **window.fields(),
            counter_before=counter_before,
            counter_after=counter_after,
            verification=verification,
            failure=failure,
            app_log=stack.log_tail(container),
        )
        if record.status != "ok":
            unless_ground_lost(stack, load)
        return record
    except (TrialFailed, StackError) as exc:
        unless_ground_lost(stack, load)
        return failed_record(
            **common,
            finished_at=clock.now(),
            reason=failure_reason(exc)[:500],
            verification=verification,
            app_log=stack.log_tail(container) if container is not None else None,
        )
    except KeyboardInterrupt:
        # The run's clean-up removes all of its containers at once; removing this
        # trial's first, one by one, would only make Ctrl-C slower.
        container = load = None
        raise
    finally:
        if load is not None and load.owned:
            stack.remove(load.container)
        if container is not None:
            stack.remove(container)


def unless_ground_lost(stack: Stack, load: LoadClient | None) -> None:
    """Raise GroundLost when what failed the trial was the run's ground, not the app."""
    fault = stack.ground_fault(load.container if load is not None and load.owned else None)
    if fault is not None:
        raise GroundLost(fault)


class _Window:
    """The measured window as the host and the engine saw it: each role's CPU use, and the
    host's evidence of what else ran, or why there is none.

    The host is sampled right before and right after wrk (its /proc/stat and the containers'
    cgroups), so the window is wrk's own plus the exec's set-up, a few milliseconds. The
    samples give the CPU use too, unless the host cannot be read or a cgroup keeps no CFS
    counters; then two engine stats snapshots around the host samples give it. Those are
    asked only then: the engine answers on its stats collector's next pass, and on one
    engine only the first of simultaneous requests at once, which cost two seconds a trial.
    """

    def __init__(
        self,
        stack: Stack,
        roles: Mapping[str, Container],
        cpu_ids: Mapping[str, tuple[int, ...]],
    ) -> None:
        self.stack = stack
        self.roles = roles
        self.cpu_ids = cpu_ids
        self.samples: list[HostSample] = []
        self.snapshots: list[Mapping[str, Mapping[str, Any] | None]] = []
        self.unavailable: str | None = None
        self.watch: HostWatch | None = None
        try:
            self.watch = stack.watch_host(roles, cpu_ids)
        except HostUnavailable as exc:
            self.unavailable = str(exc)
        self.counts_cpu = self.watch is not None and self.watch.keeps_throttling
        self.cpu_source = "cgroup" if self.counts_cpu else "engine stats"

    def begin(self) -> None:
        if not self.counts_cpu:
            self.snapshots.append(self.stack.snapshot(self.roles))
        self._sample()

    def end(self) -> None:
        self._sample()
        if not self.counts_cpu:
            self.snapshots.append(self.stack.snapshot(self.roles))

    def _sample(self) -> None:
        if self.watch is None:
            return
        try:
            self.samples.append(self.watch.sample())
        except HostUnavailable as exc:
            self.watch, self.unavailable = None, str(exc)

    def cpu(self, role: str, allotment: float, load_s: float | None) -> CpuUse | None:
        """The role's CPU use over the window; None when its readings cannot tell."""
        if self.counts_cpu:
            if len(self.samples) != 2:
                return None
            first, last = (sample.containers[role] for sample in self.samples)
            window_s = self.samples[1].at_s - self.samples[0].at_s
            return measure_cpu_between(first, last, window_s, allotment, load_s).use
        before, after = (snapshot[role] for snapshot in self.snapshots)
        if before is None or after is None:
            return None
        return cpu_use(before, after, allotment, load_s)

    def fields(self) -> dict[str, Any]:
        """The record's `host` or `host_unavailable`."""
        if self.unavailable is not None or len(self.samples) != 2:
            return {"host_unavailable": self.unavailable or "the window was not sampled"}
        evidence = host_evidence(self.samples[0], self.samples[1], self.cpu_ids)
        if evidence is None:
            return {"host_unavailable": "the samples do not cover the placement's CPUs"}
        return {"host": evidence}


def _still_open(in_flight: int, drain_s: float, what: str) -> str:
    """Why a trial failed when the app did not drain in time after `what` stopped."""
    connections = plural(in_flight, "connection")
    return f"the app still had {connections} open {drain_s:g} s after {what} stopped"


def _load_seconds(stdout: str) -> float | None:
    """How long wrk loaded the app; the record itself reports a bad output."""
    try:
        return parse_wrk_output(stdout).duration_s
    except WrkOutputError:
        return None


def failure_reason(exc: Exception) -> str:
    """The first line of the error, after the name of what went wrong (unless it is ours)."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    if isinstance(exc, TrialFailed):
        return text
    # The port's engine errors carry the client library's name for what went wrong.
    return f"{getattr(exc, 'kind', type(exc).__name__)}: {text}"


def wait_ready(
    stack: Stack, container: Container, load: LoadClient, timeout_s: float, clock: Clock
) -> None:
    """Bounded: short probe waits, checking between them that the app has not died."""
    deadline = clock.monotonic() + timeout_s
    last: dict[str, Any] = {}
    while clock.monotonic() < deadline:
        alive, state = stack.is_running(container)
        if not alive:
            raise TrialFailed(f"app container {state} before it answered")
        last = stack.probe("wait", load.base_url + "/", "--timeout", "3", on=load.container)
        if last.get("ready"):
            return
    raise TrialFailed(
        f"app did not answer within {timeout_s:g} s (last error: {last.get('last_error', 'none')})"
    )
