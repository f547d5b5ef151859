"""One trial: a fresh app container, checked, warmed up, measured, and recorded.

The order of a trial:
  start the app → wait until it answers → reset the counter → verify the answers →
  warm up (not recorded) → counter and stats before → wrk → stats and counter after →
  is the app still alive? → the record (failed ones keep the app's log) → remove the app.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import docker.errors
import requests

from lab.catalog import SCENARIOS, target
from lab.cpu import CpuUse, cpu_use
from lab.placement import Placement
from lab.plan import Trial
from lab.records import TrialRecord, WrkInvocation, failed_record, record_from_wrk
from lab.stack import (
    AppSettings,
    LoadClient,
    RunStack,
    StackError,
    applied_limits,
    isolation_facts,
)
from lab.verify import VERIFIERS
from lab.wrkjson import WrkOutputError, parse_wrk_output

REPORTER = "/opt/lab/report.lua"

Clock = Callable[[], str]


@dataclass(frozen=True, slots=True)
class TrialSettings:
    images: dict[str, str]
    placement: Placement
    threads: int
    workers: int
    duration_s: float
    warmup_s: float
    timeout_s: float
    access_log: bool
    ready_timeout_s: float = 30.0
    app_env: tuple[tuple[str, str], ...] = ()
    network_path: str = "bridge"


def wrk_command(
    url: str, threads: int, connections: int, seconds: float, timeout_s: float
) -> list[str]:
    return [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        f"--timeout={max(1, round(timeout_s))}s",
        "--latency",
        "-s",
        REPORTER,
        url,
    ]


class _TrialFailed(Exception):
    def __init__(self, reason: str, verification: dict[str, Any] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.verification = verification


def run_trial(stack: RunStack, trial: Trial, settings: TrialSettings, now: Clock) -> TrialRecord:
    """Run `trial` and return its record; failures are records too, never exceptions."""
    app = target(trial.app)
    scenario = SCENARIOS[trial.scenario]
    started_at = now()
    common: dict[str, Any] = {
        "index": trial.index,
        "app": trial.app,
        "scenario": trial.scenario,
        "connections": trial.connections,
        "repetition": trial.repetition,
        "threads": settings.threads,
        "duration_s": settings.duration_s,
        "started_at": started_at,
    }
    app_settings = AppSettings(
        settings.images[app.image],
        app.worker_class,
        settings.workers,
        settings.access_log,
        settings.app_env,
    )
    container = None
    load: LoadClient | None = None
    verification: dict[str, Any] | None = None
    try:
        container = stack.start_app(trial.index, app_settings, settings.placement.app)
        verification = {
            "applied": applied_limits(container),
            "isolation": isolation_facts(container),
            "network_path": settings.network_path,
        }
        load = stack.load_for(container, trial.index, settings.network_path)
        _wait_ready(stack, container, load, settings.ready_timeout_s)
        if scenario.uses_redis:
            stack.reset_counter()
        url = load.base_url + scenario.path
        report = stack.probe("fetch", url, "--requests", "2", on=load.container)
        problems = VERIFIERS[trial.scenario](report)
        verification.update({"report": report, "problems": problems})
        if problems:
            raise _TrialFailed("verification failed: " + "; ".join(problems), verification)
        if settings.warmup_s > 0:
            warm = stack.exec_load(
                wrk_command(
                    url, settings.threads, trial.connections, settings.warmup_s, settings.timeout_s
                ),
                on=load.container,
            )
            verification["warmup_exit_code"] = warm.exit_code
        roles = {"app": container, "wrk": load.container, "redis": stack.redis}
        counter_before = stack.settled_counter() if scenario.uses_redis else None
        before = stack.snapshot(roles)
        command = wrk_command(
            url, settings.threads, trial.connections, settings.duration_s, settings.timeout_s
        )
        measured = stack.exec_load(command, on=load.container)
        after = stack.snapshot(roles)
        counter_after = stack.settled_counter() if scenario.uses_redis else None
        alive, state = stack.is_running(container)
        log = stack.log_tail(container)
        wrk = WrkInvocation(tuple(command), measured.stdout, measured.stderr, measured.exit_code)
        slots = {
            "app": settings.placement.app,
            "wrk": settings.placement.wrk,
            "redis": settings.placement.redis,
        }
        load_s = _load_seconds(measured.stdout)
        cpu = {
            role: _cpu(before.get(role), after.get(role), slots[role].cpus, load_s)
            for role in slots
        }
        return record_from_wrk(
            **common,
            finished_at=now(),
            wrk=wrk,
            cpu=cpu,
            counter_before=counter_before,
            counter_after=counter_after,
            verification=verification,
            verification_failure=None if alive else f"app container {state} during the trial",
            app_log=log,
        )
    except _TrialFailed as exc:
        return failed_record(
            **common,
            finished_at=now(),
            reason=exc.reason,
            verification=exc.verification,
            app_log=stack.log_tail(container) if container is not None else None,
        )
    except (StackError, docker.errors.APIError, requests.RequestException) as exc:
        reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        return failed_record(
            **common,
            finished_at=now(),
            reason=reason[:500],
            verification=verification,
            app_log=stack.log_tail(container) if container is not None else None,
        )
    finally:
        if load is not None and load.owned:
            stack.remove(load.container)
        if container is not None:
            stack.remove(container)


def _cpu(before: Any, after: Any, allotment: float, load_s: float | None) -> CpuUse | None:
    if before is None or after is None:
        return None
    return cpu_use(before, after, allotment, load_s)


def _load_seconds(stdout: str) -> float | None:
    """How long wrk loaded the app; the record itself reports a bad output."""
    try:
        return parse_wrk_output(stdout).duration_s
    except WrkOutputError:
        return None


def _wait_ready(stack: RunStack, container: Any, load: LoadClient, timeout_s: float) -> None:
    """Bounded: short probe waits, checking between them that the app has not died."""
    deadline = time.monotonic() + timeout_s
    last: dict[str, Any] = {}
    while time.monotonic() < deadline:
        alive, state = stack.is_running(container)
        if not alive:
            raise _TrialFailed(f"app container {state} before it answered")
        last = stack.probe("wait", load.base_url + "/", "--timeout", "3", on=load.container)
        if last.get("ready"):
            return
    raise _TrialFailed(
        f"app did not answer within {timeout_s:g} s (last error: {last.get('last_error', 'none')})"
    )
