"""One app under load, from start to removal: the one lifecycle of closed trials, open
sweeps and both harness ceilings.

    with running_app(stack, plan, images, clock, name, index, scenario) as app:
        measured = app.measure(generator, seconds)

Entering starts a fresh app container, reads back its limits and confinement, waits
(bounded) until it answers, resets the /hit counter and verifies its answers. Leaving
removes it, whatever happened. A failure is the app's only when the run's own ground is
whole: a `TrialFailed` or an engine refusal inside the `with` leaves it as `AppFailed`
(the reason, the app's log, what was verified) after the stack said that its network,
Redis and load containers are all there; when they are not, it leaves as `GroundLost`,
and an engine that does not answer leaves as itself: neither is the app's, so neither is
recorded. Ctrl-C leaves the containers to the run's clean-up, which removes them all at
once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from lab.engine.generators import Generator, Result
from lab.engine.port import Clock, Container, GroundLost, LoadClient, Stack, StackError
from lab.engine.window import Measured, measure
from lab.images.containers import APP_PORT, AppSettings, database_url, redis_url
from lab.measure.verify import verify_parts
from lab.model.fairness import server_command
from lab.model.plan import Blueprint
from lab.model.scenarios import Scenario

REASON_CHARS = 500


class TrialFailed(Exception):
    """The app failed before or while it was loaded; the message is the reason."""


class AppFailed(Exception):
    """The app failed on whole ground: why, its log and what was verified of it."""

    def __init__(self, reason: str, log: str | None, verification: dict[str, Any] | None):
        super().__init__(reason)
        self.reason, self.log, self.verification = reason, log, verification


def app_settings(plan: Blueprint, name: str, images: Mapping[str, str]) -> AppSettings:
    """How to start the app `name`: its image's ID and its server's command under the
    run's fairness policy."""
    app = plan.app(name)
    settings = AppSettings(
        images[app.image],
        server_command(app.server, plan.policy),
        plan.config.app_env,
        pool=plan.policy.pool,
    )
    if plan.network_path != "host":
        return settings
    # On the hosts' network: Redis and PostgreSQL at their host's address, the server at
    # the app's.
    return replace(
        settings,
        redis_url=redis_url(plan.address("redis")),
        database_url=database_url(plan.address("redis")),
        listen=f"{plan.address('app')}:{APP_PORT}" if settings.command is None else None,
    )


class RunningApp:
    """A started app container, where it is loaded from, and what was verified of it."""

    def __init__(self, stack: Stack, plan: Blueprint, clock: Clock, scenario: Scenario) -> None:
        self.stack, self.plan, self.clock, self.scenario = stack, plan, clock, scenario
        self.container: Container | None = None
        self.load: LoadClient | None = None
        self.verification: dict[str, Any] | None = None

    @property
    def url(self) -> str:
        """The scenario's URL, as the load container reaches the app (a mix's: the app's
        root, its parts' paths in the generator's arguments)."""
        assert self.load is not None
        return self.load.base_url + self.scenario.request.path

    def start(self, index: int, settings: AppSettings) -> None:
        plan = self.plan
        self.container = self.stack.start_app(index, settings, plan.placement.app)
        self.verification = {
            "applied": self.stack.applied_limits(self.container),
            "isolation": self.stack.isolation_facts(self.container),
            "network_path": plan.network_path,
        }
        self.load = self.stack.load_for(self.container, index)
        wait_ready(self.stack, self.container, self.load, plan.config.ready_timeout_s, self.clock)
        if self.scenario.uses_redis:
            self.stack.reset_counter()
        # The generator's own requests, so what is verified is what is then measured: a
        # mix's each part, checked by its own rule.
        reports = {
            part.name: self.stack.probe(
                "fetch",
                self.load.base_url + part.request.path,
                "--requests",
                "2",
                *part.request.generator_args(),
                on=self.load.container,
            )
            for part in self.scenario.parts
        }
        problems = verify_parts(self.scenario, reports, self.stack.tables)
        if self.scenario.parts == (self.scenario,):
            self.verification["report"] = reports[self.scenario.name]
        else:
            self.verification["reports"] = reports
        self.verification["problems"] = problems
        if problems:
            # " | ", not "; ": a record's reasons are joined by "; " (results.judging), and
            # the findings count each reason's kind (analysis.checks.trials).
            raise TrialFailed("verification failed: " + " | ".join(problems))

    def warm_up(self, generator: Generator[Any], seconds: float) -> None:
        """An unrecorded run of `generator`; only its exit code is kept."""
        assert self.load is not None and self.verification is not None
        command = generator.command(self.url, self.scenario.request, seconds)
        warm = self.stack.exec_load(command, on=self.load.container)
        self.verification["warmup_exit_code"] = warm.exit_code

    def measure(self, generator: Generator[Result], seconds: float) -> Measured[Result]:
        """A measured window of `seconds`, with every reading around it (engine.window)."""
        assert self.container is not None and self.load is not None
        roles = {"app": self.container, "wrk": self.load.container, "redis": self.stack.redis}
        if self.stack.postgres is not None:
            roles["postgres"] = self.stack.postgres
        command = generator.command(self.url, self.scenario.request, seconds)
        stall = self.plan.config.inject_stall
        return measure(self.stack, generator, command, roles, self.plan.placement, stall, seconds)

    def alive(self) -> tuple[bool, str]:
        assert self.container is not None
        return self.stack.is_running(self.container)

    def log(self) -> str | None:
        return None if self.container is None else self.stack.log_tail(self.container)

    def check_ground(self) -> None:
        """GroundLost when what failed was the run's ground, not the app."""
        owned = self.load.container if self.load is not None and self.load.owned else None
        fault = self.stack.ground_fault(owned)
        if fault is not None:
            raise GroundLost(fault)

    def remove(self) -> None:
        if self.load is not None and self.load.owned:
            self.stack.remove(self.load.container)
        if self.container is not None:
            self.stack.remove(self.container)


@contextmanager
def running_app(
    stack: Stack,
    plan: Blueprint,
    images: Mapping[str, str],
    clock: Clock,
    name: str,
    index: int,
    scenario: str,
) -> Iterator[RunningApp]:
    """App `name` started as container `index`, ready and verified for `scenario`; removed
    on leaving (see the module's doc for how a failure leaves)."""
    app = RunningApp(stack, plan, clock, plan.scenario(scenario))
    try:
        app.start(index, app_settings(plan, name, images))
        yield app
    except (TrialFailed, StackError) as exc:
        app.check_ground()
        raise AppFailed(failure_reason(exc)[:REASON_CHARS], app.log(), app.verification) from exc
    except KeyboardInterrupt:
        # The run's clean-up removes all of its containers at once; removing this app's
        # first, one by one, would only make Ctrl-C slower.
        app.container = app.load = None
        raise
    finally:
        app.remove()


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
