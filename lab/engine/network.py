"""How the run's containers reach one another: one strategy a run, chosen once from its
`NetworkPath`, which RunStack asks instead of testing the mode at every step.

    bridge  the run's own internal network: the app answers at its alias `app`, wrk runs
            in the run's long-lived load container on the same network
    shared  the same network, but wrk runs in a fresh container inside each app's network
            namespace, so no bridge lies between them
    host    no run network: every container on its host's network (roles on different
            engines, or --network-path host); the app and Redis listen at their hosts'
            addresses only, and the host resolves names
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import docker.errors

from lab.engine.port import LoadClient, NetworkPath, StackError
from lab.engine.postgres import postgres_command
from lab.images.containers import (
    APP_ALIAS,
    APP_PORT,
    DNS_OPTIONS,
    REDIS_PORT,
    container_name,
    run_labels,
)
from lab.results.execrecord import ExecRecord

# Starts a container of the load image with these extra create options.
FreshLoad = Callable[[dict[str, Any]], Any]
# Runs a command in the run's load container.
RunInLoad = Callable[[list[str]], ExecRecord]


class RunNetwork:
    """`bridge`: the run's internal network, and the run's own load container."""

    def __init__(self) -> None:
        self.network: Any = None
        self._client: Any = None

    @property
    def name(self) -> str:
        return str(self.network.name)

    @property
    def redis_cli(self) -> list[str]:
        return ["redis-cli"]

    def open(self, client: Any, run_id: str) -> None:
        self._client = client
        self.network = client.networks.create(
            container_name(run_id, "net"),
            driver="bridge",
            internal=True,
            labels=run_labels(run_id, "network"),
        )

    def placed(self, alias: str | None) -> dict[str, Any]:
        """The create options that put a container on the network, answering to `alias`."""
        endpoint = self._client.api.create_endpoint_config(aliases=[alias] if alias else None)
        return {"network": self.name, "networking_config": {self.name: endpoint}}

    def app_options(self) -> dict[str, Any]:
        return {"dns_opt": DNS_OPTIONS}

    def redis_options(self) -> dict[str, Any]:
        return {}

    def postgres_options(self) -> dict[str, Any]:
        return {"command": postgres_command(None)}

    def refuse_taken(self, run_in_load: RunInLoad) -> None:
        """StackError when something listens where the run's app or Redis would."""

    def load_client(self, run_load: Any, app: Any, fresh_load: FreshLoad) -> LoadClient:  # noqa: ARG002
        return LoadClient(run_load, f"http://{APP_ALIAS}:{APP_PORT}", owned=False)

    def internal(self) -> bool:
        self.network.reload()
        return bool(self.network.attrs.get("Internal"))

    def fault(self) -> str | None:
        """What of the network is gone, in words; None when it is there."""
        try:
            self.network.reload()
        except docker.errors.NotFound:
            return f"the run's network {self.name} was removed"
        return None


class SharedNamespace(RunNetwork):
    """`shared`: the run's network, and wrk in each app's own network namespace."""

    def load_client(self, run_load: Any, app: Any, fresh_load: FreshLoad) -> LoadClient:  # noqa: ARG002
        container = fresh_load({"network_mode": f"container:{app.id}"})
        return LoadClient(container, f"http://127.0.0.1:{APP_PORT}", owned=True)


class HostsNetwork:
    """`host`: every container on its host's network, the app and Redis at their addresses."""

    def __init__(self, app: str, redis: str) -> None:
        self.app, self.redis = app, redis
        self.network: Any = None
        self.name = "host"

    @property
    def redis_cli(self) -> list[str]:
        return ["redis-cli", "-h", self.redis, "-p", str(REDIS_PORT)]

    def open(self, client: Any, run_id: str) -> None:
        """Nothing to create: the hosts' networks are there."""

    def placed(self, alias: str | None) -> dict[str, Any]:  # noqa: ARG002
        return {"network_mode": "host"}

    def app_options(self) -> dict[str, Any]:
        return {}

    def redis_options(self) -> dict[str, Any]:
        command = ["redis-server", "/etc/lab/redis.conf", "--bind", self.redis]
        return {"command": [*command, "--port", str(REDIS_PORT)]}

    def postgres_options(self) -> dict[str, Any]:
        # Beside Redis, at its host's address (lab.engine.postgres).
        return {"command": postgres_command(self.redis)}

    def refuse_taken(self, run_in_load: RunInLoad) -> None:
        # A port the lab would use may be taken already on a host's network: the app would
        # then fail to start and be blamed, or Redis's commands reach another server.
        for address, port, role in ((self.app, APP_PORT, "app"), (self.redis, REDIS_PORT, "redis")):
            check = (
                "import socket, sys; s = socket.socket(); s.settimeout(2);"
                f" sys.exit(0 if s.connect_ex(({address!r}, {port})) == 0 else 1)"
            )
            if run_in_load(["python3", "-c", check]).exit_code == 0:
                raise StackError(
                    f"something already listens at {address}:{port}, where the run's {role}"
                    f" would: stop it, or place {role} on another host (--engine {role}=…)"
                )

    def load_client(self, run_load: Any, app: Any, fresh_load: FreshLoad) -> LoadClient:  # noqa: ARG002
        return LoadClient(run_load, f"http://{self.app}:{APP_PORT}", owned=False)

    def internal(self) -> bool:
        return False  # the hosts' network: isolation is the hosts' own (README)

    def fault(self) -> str | None:
        return None


NetworkMode = RunNetwork | HostsNetwork


def network_mode(path: NetworkPath) -> NetworkMode:
    """The strategy of a run's `path`."""
    if path.mode == "host":
        return HostsNetwork(path.app_address, path.redis_address)
    return SharedNamespace() if path.mode == "shared" else RunNetwork()
