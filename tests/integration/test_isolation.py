"""The run's containers are confined and cut off, checked by inspection only.

Nothing here sends traffic anywhere: the network's Internal flag, each container's
routing table and its HostConfig are read back from the engine.
"""

from __future__ import annotations

import ipaddress
import struct
import subprocess
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from lab.engine.stack import RunStack
from lab.images.containers import AppSettings
from lab.model.catalog import builtin_catalog
from lab.model.fairness import Policy, server_command
from lab.model.placement import CpuSlot

SLOT = CpuSlot("any", "0", (0,), None)


@pytest.fixture
def stack(docker_client: Any, images: dict[str, str]) -> Iterator[tuple[RunStack, Any]]:
    run_id = f"isolation-{uuid.uuid4().hex[:6]}"
    with RunStack(docker_client, run_id, images["redis"], images["wrk"], SLOT, SLOT) as stack:
        aio = builtin_catalog().apps["aio"]
        command = server_command(aio.server, Policy(workers=1, access_log=False))
        app = stack.start_app(1, AppSettings(images["aio"], command), SLOT)
        yield stack, app


def gateways(container: Any) -> set[ipaddress.IPv4Address]:
    """Every gateway in the container's IPv4 routing table (/proc/net/route, little-endian hex)."""
    code, output = container.exec_run(["cat", "/proc/net/route"])
    assert code == 0
    rows = [line.split() for line in output.decode().splitlines()[1:] if line.strip()]
    return {
        ipaddress.IPv4Address(struct.pack("<I", int(row[2], 16))) for row in rows if int(row[2], 16)
    }


def subnet(network: Any) -> ipaddress.IPv4Network:
    network.reload()
    return ipaddress.IPv4Network(network.attrs["IPAM"]["Config"][0]["Subnet"])


def test_the_run_network_is_internal(stack: tuple[RunStack, Any]) -> None:
    run_stack, _ = stack
    run_stack.network.reload()
    assert run_stack.network.attrs["Internal"] is True
    assert run_stack.network.attrs["Labels"]["lab.managed"] == "true"


def test_every_route_stays_inside_the_run_network(stack: tuple[RunStack, Any]) -> None:
    run_stack, app = stack
    inside = subnet(run_stack.network)
    for container in (run_stack.load, run_stack.redis, app):
        assert all(gateway in inside for gateway in gateways(container)), container.name


def test_the_host_drops_whatever_leaves_the_run_network(stack: tuple[RunStack, Any]) -> None:
    # Docker gives an internal network's containers a route to the bridge, and keeps
    # anything from going further with these rules: read them, send nothing.
    run_stack, _ = stack
    rules = subprocess.run(["iptables", "-S"], capture_output=True, text=True, check=True).stdout
    bridge = f"br-{run_stack.network.id[:12]}"
    inside = str(subnet(run_stack.network))
    assert f"! -d {inside} -i {bridge} -j DROP" in rules
    assert f"! -s {inside} -o {bridge} -j DROP" in rules


def test_every_container_is_confined(stack: tuple[RunStack, Any]) -> None:
    run_stack, app = stack
    for container in (run_stack.load, run_stack.redis, app):
        facts = run_stack.isolation_facts(container)
        assert facts["user"] not in ("", "root", "0"), container.name
        assert facts["cap_drop"] == ["ALL"]
        assert "no-new-privileges:true" in facts["security_opt"]
        assert facts["read_only_rootfs"] is True
        assert facts["pids_limit"] and facts["memory_bytes"]
        assert facts["published_ports"] == {}
        assert facts["privileged"] is False
        assert facts["docker_socket_mounted"] is False
        assert facts["networks"] == [run_stack.network.name]


def test_app_and_redis_processes_are_not_root(stack: tuple[RunStack, Any]) -> None:
    run_stack, app = stack
    for container in (run_stack.redis, app, run_stack.load):
        code, output = container.exec_run(["id", "-u"])
        assert code == 0 and output.decode().strip() != "0"


def test_close_removes_everything_of_the_run(
    docker_client: Any, stack: tuple[RunStack, Any]
) -> None:
    run_stack, _ = stack
    containers, networks = run_stack.close()
    assert (containers, networks) == (3, 1)
    selector = {"label": f"lab.run-id={run_stack.run_id}"}
    assert docker_client.containers.list(all=True, filters=selector) == []
