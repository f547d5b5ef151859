"""The run's PostgreSQL, for the scenarios that need one (db, queries, fortunes).

Started with the run's stack beside Redis, on Redis's engine and CPUs (the run's stores
share a place: lab.model.placement gives them one), only when a planned scenario needs
it. Its cluster is made afresh at start (Dockerfile.postgres); the lab then loads the
tables from the run's seed and reads them back, so every answer is checked against what
the database really holds (lab.model.tables).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import docker.errors

from lab.engine.polls import wait_until
from lab.engine.port import Clock, StackError
from lab.images.containers import POSTGRES_PORT
from lab.model.tables import (
    READ_FORTUNES_SQL,
    READ_WORLD_SQL,
    Tables,
    load_sql,
    parse_rows,
    parse_world,
)

START = ["sh", "/etc/lab/start.sh"]
PSQL = ["psql", "-X", "-v", "ON_ERROR_STOP=1"]


def postgres_command(listen: str | None) -> list[str]:
    """The container's command: every address of its own network by default, only its
    host's address on a host's network (where another server may hold the others)."""
    if listen is None:
        return START
    return [*START, "-c", f"listen_addresses={listen}", "-c", f"port={POSTGRES_PORT}"]


class Database:
    """The run's PostgreSQL container and the tables loaded into it."""

    def __init__(self, container: Any, clock: Clock) -> None:
        self.container = container
        self.clock = clock
        self.tables: Tables | None = None

    @classmethod
    def started(cls, container: Any, seed: int, clock: Clock) -> Database:
        """Start `container`, wait until it answers, and load the tables from `seed`."""
        container.start()
        database = cls(container, clock)
        database.wait_ready()
        database.load(seed)
        return database

    def psql(self, *args: str) -> str:
        """psql's output in the container; StackError when it fails."""
        try:
            code, output = self.container.exec_run([*PSQL, *args], demux=True)
        except docker.errors.APIError as exc:
            raise StackError(f"postgres is not running: {exc.explanation or exc}") from exc
        stdout, stderr = output if output else (b"", b"")
        if code != 0:
            said = (stderr or stdout or b"").decode(errors="replace").strip()
            raise StackError(f"psql failed (exit {code}): {said[-300:]}")
        return (stdout or b"").decode(errors="replace")

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        """Until the server answers a query: initdb and the start take a few seconds."""

        def answers() -> bool:
            try:
                return self.psql("-Atc", "SELECT 1").strip() == "1"
            except StackError:
                return False

        if not wait_until(answers, timeout_s, 0.25, self.clock):
            raise StackError(f"postgres did not answer a query within {timeout_s:.0f} s")

    def load(self, seed: int) -> Tables:
        """Make the tables from `seed`, then read back what the database holds."""
        self.psql("-q", "-c", load_sql(seed))
        try:
            world = parse_world(self.psql("-At", "-F", "\t", "-c", READ_WORLD_SQL))
        except ValueError as exc:
            raise StackError(f"postgres: {exc}") from exc
        fortunes = tuple(parse_rows(self.psql("-At", "-F", "\t", "-c", READ_FORTUNES_SQL)))
        self.tables = Tables(world, fortunes)
        return self.tables

    def fault(self, is_running: Callable[[Any], tuple[bool, str]]) -> str | None:
        """What is wrong with the run's PostgreSQL, in words; None when it answers."""
        running, state = is_running(self.container)
        if not running:
            return f"the run's postgres container {self.container.name} is {state}"
        try:
            self.psql("-Atc", "SELECT 1")
        except StackError as exc:
            return f"the run's postgres does not answer: {exc}"
        return None
