"""The Docker resources of one run: its internal network, Redis (and PostgreSQL when a
scenario needs it), the load container, apps.

Everything is created with `lab.managed=true` and the run's id, and leaving the stack
(`with RunStack(...) as stack:`) removes everything carrying that run id — whatever
happened before. Probes and wrk run by `exec` in one long-lived load container inside
the network, so no request ever comes from the host and a trial does not pay for
starting a client container. Every public method raises the port's exceptions only.

How the containers reach one another (the run's network, the app's namespace, the hosts'
network) is the run's `NetworkPath`, one strategy of lab.engine.network chosen when the
stack is made; each role's containers go to that role's engine.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self

import docker.errors
import requests

from lab.engine import inspection
from lab.engine.clean import finished_despite_ctrl_c, remove_labelled
from lab.engine.client import engine_errors
from lab.engine.hostprobe import HostWatch
from lab.engine.network import network_mode
from lab.engine.polls import settled_counter, settled_fault
from lab.engine.port import (
    BRIDGE,
    Clock,
    DatabaseSpec,
    LoadClient,
    NetworkPath,
    StackError,
    SystemClock,
)
from lab.engine.postgres import Database
from lab.engine.redisstore import COUNTER_KEY, counter_value, redis_command, wait_for_redis
from lab.images.containers import (
    APP_ALIAS,
    APP_PORT,
    POSTGRES_ALIAS,
    REDIS_ALIAS,
    AppSettings,
    app_environment,
    container_name,
    cpu_kwargs,
    hardening,
    run_labels,
)
from lab.images.labels import MANAGED_FILTER, RUN_ID
from lab.measure.probereport import probe_report
from lab.measure.sockets import connections_in_flight
from lab.model.placement import CpuSlot
from lab.model.tables import Tables
from lab.results.execrecord import ExecRecord

PROBE = ["python3", "/opt/lab/probe.py"]


class RunStack:
    """The run's network and long-lived containers; one app container at a time.

    `with` opens it (network, Redis, the load container) and always closes it.
    """

    def __init__(
        self,
        client: Any,
        run_id: str,
        redis_image: str,
        load_image: str,
        redis: CpuSlot,
        wrk: CpuSlot,
        clients: Mapping[str, Any] | None = None,
        network: NetworkPath = BRIDGE,
        clock: Clock | None = None,
        database: DatabaseSpec | None = None,
    ) -> None:
        self.client = client
        self.clock = clock or SystemClock()
        # Each role's engine (app, load, redis); the local one for every role by default.
        self.clients = {"app": client, "load": client, "redis": client, **(clients or {})}
        self.path = network_mode(network)
        self.run_id = run_id
        self.redis: Any = None
        self.load: Any = None
        self.cleared = (0, 0)
        self._redis_image = redis_image
        self._redis_slot = redis
        self._load_image = load_image
        self._wrk_slot = wrk
        self._database_spec = database
        self.database: Database | None = None

    def __enter__(self) -> Self:
        try:
            self.open()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _create(
        self,
        role: str,
        name: str,
        image: str,
        slot: CpuSlot,
        alias: str | None = None,
        confined_as: str | None = None,
        **options: Any,
    ) -> Any:
        """A container of this run: named, labelled, confined and pinned to `slot`.

        On the run's network path unless `options` say otherwise; `alias` is the name it
        answers to there (each trial's fresh app container is `app`). It gets the
        limits of `confined_as` (default: its own role). It goes to its role's engine.
        """
        if "network_mode" not in options:
            options.update(self.path.placed(alias))
        return self._client_of(role).containers.create(
            image,
            name=container_name(self.run_id, name),
            labels=run_labels(self.run_id, role),
            **cpu_kwargs(slot),
            **hardening(confined_as or role),
            **options,
        )

    def _client_of(self, role: str) -> Any:
        """The engine a container of `role` runs on: wrk's is the load generator's, and
        everything else (apps, the ceiling server, the calibration) goes with the app."""
        roles = {"wrk": "load", "redis": "redis", "postgres": "redis"}
        return self.clients[roles.get(role, "app")]

    def _engines(self) -> list[Any]:
        """Each of the run's engines once."""
        return list({id(client): client for client in self.clients.values()}.values())

    @engine_errors()
    def open(self) -> None:
        # A session of this run that lost its engine left its containers and network
        # (the engine was not there to remove them); they hold the names used below.
        cleared = [remove_labelled(client, self._labels) for client in self._engines()]
        self.cleared = (sum(c for c, _ in cleared), sum(n for _, n in cleared))
        self.path.open(self.client, self.run_id)
        self.load = self._create(
            "wrk", "wrk", self._load_image, self._wrk_slot, command=["sleep", "infinity"]
        )
        self.load.start()
        self.path.refuse_taken(lambda command: self._exec(self.load, command))
        self.redis = self._create(
            "redis",
            "redis",
            self._redis_image,
            self._redis_slot,
            alias=REDIS_ALIAS,
            **self.path.redis_options(),
        )
        self.redis.start()
        wait_for_redis(self.redis, self.path.redis_cli, self.clock)
        if self._database_spec is not None:
            self._open_database(self._database_spec)

    def _open_database(self, spec: DatabaseSpec) -> None:
        """PostgreSQL beside Redis, on its engine and CPUs, its tables loaded afresh."""
        options = {"alias": POSTGRES_ALIAS, **self.path.postgres_options()}
        container = self._create("postgres", "postgres", spec.image, self._redis_slot, **options)
        self.database = Database.started(container, spec.seed, self.clock)

    @property
    def tables(self) -> Tables | None:
        return None if self.database is None else self.database.tables

    @property
    def postgres(self) -> Any:
        return None if self.database is None else self.database.container

    @property
    def _labels(self) -> list[str]:  # what finds everything of this run on an engine
        return [MANAGED_FILTER, f"{RUN_ID}={self.run_id}"]

    @property
    def network(self) -> Any:
        """The run's Docker network; None on the hosts' network."""
        return self.path.network

    @property
    def network_name(self) -> str:
        return self.path.name

    @engine_errors()
    def network_internal(self) -> bool:
        return self.path.internal()

    @engine_errors()
    def start_app(self, trial_index: int, settings: AppSettings, slot: CpuSlot) -> Any:
        options: dict[str, Any] = {}
        if settings.command is not None:  # else the image's own (the ceiling server's)
            options["command"] = list(settings.command)
        container = self._create(
            "app",
            f"app-{trial_index}",
            settings.image,
            slot,
            alias=APP_ALIAS,  # every trial's fresh container answers at the same URL
            environment=app_environment(settings),
            **options,
            **self.path.app_options(),
        )
        container.start()
        return container

    @engine_errors()
    def load_for(self, app: Any, trial_index: int) -> LoadClient:
        """The run's load container, or (on the shared path) a fresh one of the trial's."""

        def fresh_load(options: dict[str, Any]) -> Any:
            container = self._create(
                "wrk",
                f"wrk-{trial_index}",
                self._load_image,
                self._wrk_slot,
                command=["sleep", "infinity"],
                **options,
            )
            container.start()
            return container

        return self.path.load_client(self.load, app, fresh_load)

    def exec_load(self, command: list[str], on: Any = None) -> ExecRecord:
        """Run a command in a load container; each ends by itself (wrk -d, probe timeouts)."""
        return self._exec(on or self.load, command)

    @engine_errors()
    def _exec(self, container: Any, command: list[str]) -> ExecRecord:
        """Run a command that ends by itself in one of the run's containers."""
        result = container.exec_run(command, demux=True)
        stdout, stderr = result.output if result.output else (b"", b"")
        return ExecRecord(
            tuple(command),
            result.exit_code,
            (stdout or b"").decode(errors="replace"),
            (stderr or b"").decode(errors="replace"),
        )

    def probe(self, *args: str, on: Any = None) -> dict[str, Any]:
        output = self.exec_load([*PROBE, *args], on=on)
        try:
            return probe_report(output.stdout)
        except ValueError as exc:
            said = (output.stderr or output.stdout).strip()[-200:]
            raise StackError(
                f"probe {' '.join(args)} printed no report (exit {output.exit_code}): {said}"
            ) from exc

    @engine_errors()
    def run_to_end(
        self, role: str, name: str, image: str, slot: CpuSlot, command: list[str]
    ) -> str:
        """A throwaway container with no network at all, confined like an app; its stdout."""
        container = self._create(
            role, name, image, slot, confined_as="app", command=command, network_mode="none"
        )
        try:
            container.start()
            status = container.wait()
            output: bytes = container.logs(stdout=True, stderr=False)
            if status.get("StatusCode") != 0:
                raise StackError(
                    f"{name} exited {status.get('StatusCode')}: {self.log_tail(container, 5)}"
                )
            return output.decode(errors="replace")
        except KeyboardInterrupt:
            container = None  # the run's clean-up removes it with the rest, at once
            raise
        finally:
            if container is not None:
                self.remove(container)

    @engine_errors()
    def redis_command(self, *args: str) -> str:
        return redis_command(self.redis, self.path.redis_cli, *args)

    def counter(self) -> int:
        return counter_value(self.redis_command("GET", COUNTER_KEY))

    def in_flight(self, app: Any) -> int:
        """Server-side connections on the app's port that may still carry a request."""
        output = self._exec(app, ["sh", "-c", "cat /proc/net/tcp /proc/net/tcp6 2>/dev/null"])
        try:
            return connections_in_flight(output.stdout, APP_PORT)
        except ValueError as exc:
            raise StackError(f"the app's socket table is unreadable: {exc}") from exc

    def settled_counter(self, app: Any, timeout_s: float) -> tuple[int, int]:
        """The counter once the app has no request in flight (lab.engine.polls), and how
        many still were when `timeout_s` ran out; see lab.measure.sockets."""
        return settled_counter(lambda: self.in_flight(app), self.counter, timeout_s, self.clock)

    def reset_counter(self) -> None:
        self.redis_command("SET", COUNTER_KEY, "0")

    @engine_errors()
    def ground_fault(self, load: Any = None) -> str | None:
        """The ground's fault, looked at again a while when it looks whole (lab.engine.polls)."""
        return settled_fault(lambda: self._ground_fault_now(load), self.clock)

    def _ground_fault_now(self, load: Any = None) -> str | None:
        gone = self.path.fault()
        if gone is not None:
            return gone
        owned = [("trial's load", load)] if load is not None else []
        for role, container in [("redis", self.redis), ("load", self.load), *owned]:
            running, state = self.is_running(container)
            if not running:
                return f"the run's {role} container {container.name} is {state}"
        try:
            self.redis_command("PING")
        except StackError as exc:
            return f"the run's redis does not answer: {exc}"
        return None if self.database is None else self.database.fault(self.is_running)

    def snapshot(self, containers: Mapping[str, Any]) -> dict[str, dict[str, Any] | None]:
        return inspection.stats_side_by_side(containers)

    @engine_errors()
    def watch_host(
        self, containers: Mapping[str, Any], cpu_ids: Mapping[str, tuple[int, ...]]
    ) -> HostWatch:
        return inspection.host_watch(self.clients.values(), containers, cpu_ids)

    @engine_errors()
    def pause(self, container: Any) -> None:
        container.pause()

    @engine_errors()
    def unpause(self, container: Any) -> None:
        try:
            container.unpause()
        except docker.errors.APIError as exc:
            # Not paused, or already removed: nothing to thaw.
            if exc.status_code not in (404, 409) and "not paused" not in str(exc):
                raise

    @engine_errors()
    def is_running(self, container: Any) -> tuple[bool, str]:
        return inspection.state_of(container)

    def log_tail(self, container: Any, lines: int = 40) -> str:
        return inspection.log_tail(container, lines)

    @engine_errors()
    def remove(self, container: Any) -> None:
        with contextlib.suppress(docker.errors.NotFound):
            container.remove(force=True)

    @engine_errors()
    def applied_limits(self, container: Any) -> dict[str, Any]:
        return inspection.applied_limits(container)

    @engine_errors()
    def isolation_facts(self, container: Any) -> dict[str, Any]:
        return inspection.isolation_facts(container)

    @engine_errors()
    def close(self) -> tuple[int, int]:
        """Remove every container and network of this run, by label; (containers, networks).

        Ctrl-C does not cut it short: it takes a second or so, and half of it would leave
        the network behind. The interrupt is raised once it is done (a second Ctrl-C ends
        the process at once: lab.cli.interrupts).
        """
        return finished_despite_ctrl_c(self._remove_everywhere)

    def _remove_everywhere(self) -> tuple[int, int]:
        """This run's containers and network off every engine that answers; an engine
        that does not is skipped (its error raised once the others are clean)."""
        removed, failure = [], None
        for client in self._engines():
            try:
                removed.append(remove_labelled(client, self._labels))
            except (docker.errors.APIError, requests.RequestException) as exc:
                failure = failure or exc
        if failure is not None:
            raise failure
        return sum(c for c, _ in removed), sum(n for _, n in removed)
