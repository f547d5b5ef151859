"""What the engine says of the run's containers, read back from them: state, the limits
applied, confinement, stats and their processes on the host.

Plain docker-py calls; RunStack turns the client's errors into the port's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import docker.errors
import requests

from lab.engine.hostprobe import HostWatch
from lab.engine.port import HostUnavailable


def state_of(container: Any) -> tuple[bool, str]:
    """Whether it runs, and its state in words (e.g. `exited, exit code 137`)."""
    try:
        container.reload()
    except docker.errors.NotFound:
        return False, "removed"
    state = container.attrs.get("State", {})
    if state.get("Running"):
        return True, "running"
    oom = " (out of memory)" if state.get("OOMKilled") else ""
    return False, f"{state.get('Status', '?')}, exit code {state.get('ExitCode')}{oom}"


def log_tail(container: Any, lines: int) -> str:
    """Its last log lines; never raises (the text says why there is no log)."""
    try:
        log: bytes = container.logs(tail=lines)
        return log.decode(errors="replace")
    except (docker.errors.APIError, requests.RequestException) as exc:
        return f"(no log: {exc})"


def applied_limits(container: Any) -> dict[str, Any]:
    """The CPU limits the engine applied, read back from the container itself."""
    container.reload()
    host_config = container.attrs.get("HostConfig", {})
    nano = host_config.get("NanoCpus") or 0
    return {
        "cpuset": host_config.get("CpusetCpus") or "",
        "cpus_quota": nano / 1e9 if nano else None,
        "memory_bytes": host_config.get("Memory") or None,
    }


def isolation_facts(container: Any) -> dict[str, Any]:
    """What the engine says about a container's confinement, for the record."""
    container.reload()
    config = container.attrs.get("Config", {})
    host = container.attrs.get("HostConfig", {})
    mounts = container.attrs.get("Mounts", [])
    return {
        "user": config.get("User") or "root",
        "cap_drop": host.get("CapDrop") or [],
        "security_opt": host.get("SecurityOpt") or [],
        "read_only_rootfs": bool(host.get("ReadonlyRootfs")),
        "pids_limit": host.get("PidsLimit"),
        "memory_bytes": host.get("Memory") or None,
        "published_ports": {k: v for k, v in (host.get("PortBindings") or {}).items() if v},
        "privileged": bool(host.get("Privileged")),
        "docker_socket_mounted": any("docker.sock" in str(m.get("Source")) for m in mounts),
        "networks": sorted(container.attrs.get("NetworkSettings", {}).get("Networks") or {}),
    }


def stats_side_by_side(containers: Mapping[str, Any]) -> dict[str, dict[str, Any] | None]:
    """One stats sample per role, taken side by side.

    The engine answers a stats request about a second after it is asked (one-shot
    or not), so sequential samples would be seconds apart.
    """

    def sample(container: Any) -> dict[str, Any] | None:
        try:
            stats: dict[str, Any] = container.stats(stream=False, one_shot=True)
        except (docker.errors.APIError, requests.RequestException):
            return None
        return stats

    pool = ThreadPoolExecutor(max_workers=len(containers))
    try:
        futures = {role: pool.submit(sample, c) for role, c in containers.items()}
        return {role: future.result() for role, future in futures.items()}
    finally:
        # Never waits: on Ctrl-C the engine's answers, a second away, are not needed.
        pool.shutdown(wait=False, cancel_futures=True)


def host_watch(
    clients: Iterable[Any],
    containers: Mapping[str, Any],
    cpu_ids: Mapping[str, tuple[int, ...]],
) -> HostWatch:
    """A watch of these containers' processes on this machine, when every engine is here."""
    if any(not _on_this_machine(client) for client in clients):
        raise HostUnavailable("a role's engine is on another host: its /proc is not here")
    processes = {}
    for role, container in containers.items():
        container.reload()
        pid = container.attrs.get("State", {}).get("Pid") or 0
        if pid <= 0:
            raise HostUnavailable(f"the {role} container has no process on the host")
        processes[role] = (str(container.id), int(pid))
    return HostWatch(processes, cpu_ids)


def _on_this_machine(client: Any) -> bool:
    """Whether the engine is reached through a local socket, so its containers' process
    IDs are this machine's."""
    return str(client.api.base_url).startswith("http+docker://local")
