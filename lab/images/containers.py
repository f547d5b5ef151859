"""What the run's containers are, as data: names, labels, confinement, CPUs, app settings.

Pure: the engine's RunStack creates containers from these, and compose.yaml is
rendered from the same values, so a stack started by hand is confined as a run's is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lab.images.labels import managed
from lab.model.fairness import ACCESS_LOG_DIR, POOL_SIZE
from lab.model.limits import MEMORY, PIDS
from lab.model.placement import CpuSlot

APP_PORT = 8000
APP_ALIAS = "app"
REDIS_ALIAS = "redis"
REDIS_PORT = 6379
REDIS_URL = f"redis://{REDIS_ALIAS}:{REDIS_PORT}/0"
POSTGRES_ALIAS = "postgres"
POSTGRES_PORT = 5432
# The database the lab loads (lab.model.tables); trust authentication on the run's network.
DATABASE_URL = f"postgresql://lab@{POSTGRES_ALIAS}:{POSTGRES_PORT}/lab"
# On an internal network, a lookup of a vanished name would wait out the resolver's
# default (10 s per attempt); one 1 s try lets /hit fail fast when Redis is gone.
DNS_OPTIONS = ["timeout:1", "attempts:1"]


@dataclass(frozen=True, slots=True)
class AppSettings:
    """How to start an app container: its image, and the server command the lab built
    (model.fairness; None: the image's own, as the ceiling server's)."""

    image: str
    command: tuple[str, ...] | None
    extra_env: tuple[tuple[str, str], ...] = ()
    redis_url: str = REDIS_URL
    database_url: str = DATABASE_URL
    pool: int = POOL_SIZE  # the policy's connections per pool, Redis's and PostgreSQL's
    # ADDRESS:PORT on a host's network, for the ceiling server (nginx reads LISTEN); the
    # apps' servers get their address in their command. None: port 8000 on every address.
    listen: str | None = None


def app_environment(settings: AppSettings) -> dict[str, str]:
    """The app container's environment: where Redis and PostgreSQL are, the pools'
    size, then --app-env (which may override any of them)."""
    listen = {"LISTEN": settings.listen} if settings.listen else {}
    return {
        "REDIS_URL": settings.redis_url,
        "DATABASE_URL": settings.database_url,
        "REDIS_MAX_CONNECTIONS": str(settings.pool),
        "DB_POOL_SIZE": str(settings.pool),
        **listen,
        **dict(settings.extra_env),
    }


def database_url(address: str) -> str:
    """PostgreSQL's URL on a host's network, at that host's address."""
    return f"postgresql://lab@{address}:{POSTGRES_PORT}/lab"


def redis_url(address: str) -> str:
    """Redis's URL for an app that reaches it over the hosts' network."""
    return f"redis://{address}:{REDIS_PORT}/0"


def container_name(run_id: str, name: str) -> str:
    return f"lab-{run_id}-{name}"


def run_labels(run_id: str, role: str) -> dict[str, str]:
    """The labels of a run's container or network; clean-up finds them by these."""
    return managed(run_id=run_id, role=role)


# Each container gets only what it needs: no capabilities, no privilege escalation, a
# read-only root file system with a small tmpfs, and bounded processes and memory. An app
# gets a second tmpfs for its access log (lab.model.fairness): 256 MB, about three million
# requests' lines, charged to the app's memory like the rest of its writes.
# Nothing publishes a port and the Docker socket is never mounted.
# The limits themselves are lab.model.limits', where the configuration checks against them.


def hardening(role: str) -> dict[str, Any]:
    tmpfs = {"/tmp": "rw,nosuid,nodev,size=64m"}
    if role == "postgres":  # its cluster (about 40 MiB after initdb) and socket live there
        tmpfs["/tmp"] = "rw,nosuid,nodev,size=256m"
    if role == "app":
        tmpfs[ACCESS_LOG_DIR] = "rw,nosuid,nodev,noexec,size=256m"
    return {
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges:true"],
        "read_only": True,
        "tmpfs": tmpfs,
        "mem_limit": MEMORY[role],
        "pids_limit": PIDS[role],
    }


def cpu_kwargs(slot: CpuSlot) -> dict[str, Any]:
    """docker-py's create arguments that pin a container to `slot`."""
    kwargs: dict[str, Any] = {"cpuset_cpus": slot.cpuset}
    if slot.nano_cpus is not None:
        kwargs["nano_cpus"] = slot.nano_cpus
    return kwargs
