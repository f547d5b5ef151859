"""What the findings say of a run whose roles ran on several engines."""

from __future__ import annotations

from lab.analysis.checks.resources import check_placement
from lab.analysis.checks.topology import check_topology


def _place(host: str, url: str) -> dict[str, object]:
    return {"url": url, "address": "127.0.0.1", "engine_id": url, "host": host, "cpus": 2}


def _slot(cpu: int) -> dict[str, object]:
    return {"cpuset": str(cpu), "cpu_ids": [cpu]}


def test_engines_of_one_host_are_said_to_share_it() -> None:
    topology = {role: _place("vm", f"unix:///{role}.sock") for role in ("app", "load", "redis")}
    (finding,) = check_topology({"topology": topology})
    assert (finding.severity, finding.code) == ("info", "engines-share-a-host")
    assert "3 Docker engines of one host (vm)" in finding.message


def test_roles_on_their_own_hosts_are_said_to_share_only_the_network() -> None:
    topology = {
        "app": _place("a", "ssh://a"),
        "load": _place("b", "ssh://b"),
        "redis": _place("b", "ssh://b2"),
    }
    (finding,) = check_topology({"topology": topology})
    assert finding.code == "roles-on-own-hosts"
    assert "2 hosts (the app on a; the load generator and Redis on b)" in finding.message


def test_a_run_on_one_engine_has_no_topology_finding() -> None:
    assert check_topology({"network_path": "bridge"}) == []
    assert check_topology(None) == []


def test_cpu_numbers_on_different_hosts_are_not_shared() -> None:
    apart = {
        "app": _slot(1),
        "wrk": _slot(1),
        "redis": _slot(1),
        "hosts": [["app"], ["wrk"], ["redis"]],
    }
    assert check_placement(apart) == []
    together = {
        "app": _slot(1),
        "wrk": _slot(0),
        "redis": _slot(0),
        "hosts": [["app", "wrk", "redis"]],
    }
    assert [f.code for f in check_placement(together)] == ["redis-shares-wrk-cpus"]
    beside = {
        "app": _slot(1),
        "wrk": _slot(1),
        "redis": _slot(0),
        "hosts": [["app", "redis"], ["wrk"]],
    }
    assert check_placement(beside) == []
