"""Removing a run's containers and network: all at once, killed first, whole through Ctrl-C."""

from __future__ import annotations

import _thread
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import docker.errors
import pytest

from lab.engine.clean import finished_despite_ctrl_c, remove_labelled


@dataclass
class Thing:
    name: str
    log: list[str]
    running: bool = True
    fails: Exception | None = None
    together: threading.Barrier | None = None  # every removal waits for all the others

    def kill(self) -> None:
        if not self.running:
            raise docker.errors.APIError(f"container {self.name} is not running")
        self.log.append(f"kill {self.name}")

    def remove(self, force: bool = False) -> None:  # noqa: ARG002 - docker-py's signature
        if self.together is not None:
            self.together.wait(timeout=5)  # a BrokenBarrierError if they ran one by one
        if self.fails is not None:
            raise self.fails
        self.log.append(f"remove {self.name}")


@dataclass
class Listing:
    things: list[Thing]
    asked: list[Any] = field(default_factory=list)

    def list(self, **filters: Any) -> list[Thing]:
        self.asked.append(filters)
        return self.things


@dataclass
class Client:
    containers: Listing
    networks: Listing


def test_containers_are_killed_then_removed_side_by_side_and_the_network_last() -> None:
    log: list[str] = []
    together = threading.Barrier(3)
    containers = [Thing(name, log, together=together) for name in ("app", "wrk", "redis")]
    containers[2].running = False  # an exited one is removed all the same
    network = Thing("net", log)
    client = Client(Listing(containers), Listing([network]))

    assert remove_labelled(client, ["lab.managed=true", "lab.run-id=r1"]) == (3, 1)
    for name in ("app", "wrk"):
        assert log.index(f"kill {name}") < log.index(f"remove {name}")
    assert "kill redis" not in log and "remove redis" in log
    assert log[-1] == "remove net"
    assert client.containers.asked == [
        {"all": True, "filters": {"label": ["lab.managed=true", "lab.run-id=r1"]}}
    ]


def test_one_already_gone_is_fine_and_any_other_failure_is_raised_after_the_rest() -> None:
    log: list[str] = []
    gone = Thing("gone", log, fails=docker.errors.NotFound("no such container"))
    busy = Thing("busy", log, fails=docker.errors.APIError("device or resource busy"))
    client = Client(Listing([gone, busy, Thing("app", log)]), Listing([]))
    with pytest.raises(docker.errors.APIError, match="busy"):
        remove_labelled(client, ["lab.managed=true"])
    assert "remove app" in log


def test_ctrl_c_during_the_clean_up_waits_for_it_then_is_raised() -> None:
    done: list[str] = []
    interrupted = threading.Event()

    def work() -> str:
        time.sleep(0.05)  # the main thread waits for this by now
        _thread.interrupt_main()  # Ctrl-C
        interrupted.wait(timeout=0.3)
        done.append("removed")
        return "removed"

    with pytest.raises(KeyboardInterrupt):
        finished_despite_ctrl_c(work)
    assert done == ["removed"]
    assert finished_despite_ctrl_c(lambda: 42) == 42
