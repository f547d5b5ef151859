"""What the run's engines shared: a host, or nothing but the network between hosts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lab.analysis.checks.findings import run_finding
from lab.results.findings import Finding

ROLE_WORDS = {"app": "the app", "load": "the load generator", "redis": "Redis"}


def check_topology(effective: Mapping[str, Any] | None) -> list[Finding]:
    """Info when the roles ran on several engines (run.json's `effective.topology`): on
    one host they still shared its CPUs, memory bus and kernel; on their own hosts they
    shared only the network, which then is part of every number."""
    topology = (effective or {}).get("topology")
    if not isinstance(topology, Mapping) or not topology:
        return []
    hosts: dict[str, list[str]] = {}
    for role, place in topology.items():
        if isinstance(place, Mapping):
            hosts.setdefault(str(place.get("host")), []).append(ROLE_WORDS.get(role) or role)
    if len(hosts) == 1:
        (host,) = hosts
        return [
            run_finding(
                "info",
                "engines-share-a-host",
                f"the roles ran on {len(topology)} Docker engines of one host ({host}): they"
                " shared its CPUs, memory bus and kernel as on one engine, and talked over"
                " its loopback.",
                "To take the load generator and Redis off the app's machine, give each"
                " engine a host of its own (--engine ROLE=ssh://USER@HOST).",
            )
        ]
    where = "; ".join(f"{' and '.join(roles)} on {host}" for host, roles in hosts.items())
    return [
        run_finding(
            "info",
            "roles-on-own-hosts",
            f"the roles ran on {len(hosts)} hosts ({where}): roles on different hosts"
            " shared no CPU, memory bus or kernel, and reached each other over the hosts'"
            " network.",
            "Compare only with runs over the same hosts and network: the network between"
            " them is part of every figure.",
        )
    ]
