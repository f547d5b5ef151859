"""One policy for every server, and the command line that applies it to each.

Fair by construction: an app's manifest says which server and which worker or event
loop; how many workers, how long an idle keep-alive connection stays open, whether
each request is logged, the listen backlog and the address are the lab's, written
here once and recorded in run.json. A manifest's extra `args` may not set them. What
a server cannot honour is said, and becomes a finding.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from lab.errors import UsageError
from lab.model.appfolder import AppSpec, ServerSpec

APP_PORT = 8000
ANY_ADDRESS = "0.0.0.0"  # on the run's own network; on a host network, the app's address
KEEPALIVE_S = 75  # gunicorn's and aiohttp's keep-alive idle timeout in the article's setup
BACKLOG = 2048  # gunicorn's and uvicorn's default; granian's is lower
# Every app's Redis and PostgreSQL pools hold at most this many connections per worker,
# and a request waits for a free one rather than failing: as many as flask-granian's and
# django-wsgi's threads, so no thread only waits for a connection.
POOL_SIZE = 64
# granian has no idle timeout of its own: it drops an idle keep-alive connection when its
# header-read timeout runs out, and allows at most 60 s of it (measured: 2.8.9 closed an
# idle connection after 35 s by default, kept one 55 s with 60000 ms).
GRANIAN_IDLE_MS = 60_000
GUNICORN_CONFIG = "/app/gunicorn.conf.py"  # apps/gunicorn.conf.py, in every app image
# With the access log on, every server writes it here, inside the app's container (a
# tmpfs of its own: lab.images.containers), so that writing it costs the app, on the app's
# CPUs. On stdout, each line would be carried by the engine (the container's shim, then
# dockerd) on other CPUs — wrk's and Redis's on 2 cores, where the run's host evidence
# counted it as foreign load: 10-36% of that CPU, in proportion to req/s.
ACCESS_LOG_DIR = "/var/log/lab"
ACCESS_LOG = f"{ACCESS_LOG_DIR}/access.log"
# uvicorn writes its access log, and only that, to stdout (its other messages go to
# stderr); granian writes its own messages to stdout too, so with the access log on they
# are in the file beside it. The server itself is exec'd: its signals are its own.
STDOUT_TO_ACCESS_LOG = ("sh", "-c", f'exec "$@" >>{ACCESS_LOG}', "sh")


@dataclass(frozen=True, slots=True)
class Policy:
    """What every server gets alike."""

    workers: int  # one per app CPU unless --workers says otherwise
    access_log: bool
    keepalive_s: int = KEEPALIVE_S
    backlog: int = BACKLOG
    host: str = ANY_ADDRESS  # the address the server listens at
    pool: int = POOL_SIZE  # Redis and PostgreSQL connections per worker

    def to_dict(self) -> dict[str, object]:
        return {
            "workers": self.workers,
            "access_log": self.access_log,
            "keepalive_s": self.keepalive_s,
            "backlog": self.backlog,
            "bind": f"{self.host}:{APP_PORT}",
            "pool": self.pool,
        }


# Flags a manifest's `args` may not give: the policy's, per server.
POLICY_FLAGS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "gunicorn": (
            "-w",
            "--workers",
            "-b",
            "--bind",
            "--keep-alive",
            "--backlog",
            "--access-logfile",
            "-k",
            "--worker-class",
            "-c",
            "--config",
        ),
        "uvicorn": (
            "--workers",
            "--host",
            "--port",
            "--uds",
            "--fd",
            "--timeout-keep-alive",
            "--backlog",
            "--access-log",
            "--no-access-log",
            "--loop",
            "--http",
        ),
        "granian": (
            "--workers",
            "--host",
            "--port",
            "--uds",
            "--backlog",
            "--access-log",
            "--no-access-log",
            "--loop",
            "--interface",
            "--http1-keep-alive",
            "--no-http1-keep-alive",
        ),
    }
)

# What a server cannot do of the policy, said once per server.
UNHONOURED: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "granian": (
            f"keep-alive idle timeout: granian closes an idle connection when its header-read"
            f" timeout ends, at most {GRANIAN_IDLE_MS // 1000} s (the policy is {KEEPALIVE_S} s)",
        ),
    }
)


def check_args(app: AppSpec) -> None:
    """Refuse a manifest whose extra server args set what the policy sets."""
    flags = [arg.split("=", 1)[0] for arg in app.server.args]
    clash = [flag for flag in flags if flag in POLICY_FLAGS.get(app.server.name, ())]
    if clash:
        raise UsageError(
            f"app {app.name}: its app.toml's server args set {clash[0]}, which the lab's"
            " fairness policy sets",
            f"drop {clash[0]} from args: every app gets the same (lab/model/fairness.py)",
        )


def server_command(server: ServerSpec, policy: Policy) -> tuple[str, ...] | None:
    """The app container's command; None for the ceiling server, which starts itself."""
    workers = str(policy.workers)
    if server.name == "gunicorn":
        return (
            "gunicorn", "--config", GUNICORN_CONFIG, "--bind", f"{policy.host}:{APP_PORT}",
            "--workers", workers, "--worker-class", server.worker_class or "sync",
            "--keep-alive", str(policy.keepalive_s), "--backlog", str(policy.backlog),
            *(("--access-logfile", ACCESS_LOG) if policy.access_log else ()),
            *server.args, server.target,
        )  # fmt: skip
    if server.name == "uvicorn":
        return (
            *_logged(policy),
            "uvicorn", server.target, "--host", policy.host, "--port", str(APP_PORT),
            "--workers", workers, "--loop", server.loop or "auto", "--http", server.http or "auto",
            "--timeout-keep-alive", str(policy.keepalive_s), "--backlog", str(policy.backlog),
            "--access-log" if policy.access_log else "--no-access-log", "--log-level", "info",
            *server.args,
        )  # fmt: skip
    if server.name == "granian":
        return (
            *_logged(policy),
            "granian", "--interface", server.interface or "asgi", "--host", policy.host,
            "--port", str(APP_PORT), "--workers", workers, "--loop", server.loop or "auto",
            "--backlog", str(policy.backlog),
            "--access-log" if policy.access_log else "--no-access-log", "--log-level", "info",
            "--http1-header-read-timeout", str(GRANIAN_IDLE_MS),
            *server.args, server.target,
        )  # fmt: skip
    return None


def _logged(policy: Policy) -> tuple[str, ...]:
    """What runs a server whose stdout is the access log, when the policy logs requests."""
    return STDOUT_TO_ACCESS_LOG if policy.access_log else ()


def unhonoured(app: AppSpec) -> tuple[str, ...]:
    """The parts of the policy `app`'s server cannot apply."""
    return UNHONOURED.get(app.server.name, ())
