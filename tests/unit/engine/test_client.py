"""docker-py's and requests' exceptions become the port's, with their message and name kept."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import docker.errors
import pytest
import requests

from lab.engine.adapter import DockerEngine
from lab.engine.client import engine_errors
from lab.engine.engines import Engines
from lab.engine.port import (
    EngineGone,
    EngineRefused,
    EngineRequestFailed,
    ImageMissing,
    StackError,
)
from lab.model.topology import ROLES, EngineFacts, Placed, Topology


@pytest.mark.parametrize(
    ("raised", "becomes", "kind"),
    [
        (docker.errors.APIError("409 Client Error: Conflict"), EngineRefused, "APIError"),
        (docker.errors.NotFound("404 Client Error: no such container"), EngineRefused, "NotFound"),
        (requests.ConnectionError("Connection aborted."), EngineGone, "ConnectionError"),
        (requests.ConnectTimeout("connect timed out"), EngineGone, "ConnectTimeout"),
        (requests.ReadTimeout("Read timed out."), EngineRequestFailed, "ReadTimeout"),
    ],
)
def test_engine_errors_keep_the_message_and_the_name(
    raised: Exception, becomes: type[Exception], kind: str
) -> None:
    with pytest.raises(becomes) as excinfo, engine_errors():
        raise raised
    error = excinfo.value
    assert type(error) is becomes
    assert isinstance(error, EngineRefused | EngineRequestFailed)
    assert (str(error), error.kind) == (str(raised), kind)
    assert error.__cause__ is raised


def test_a_refusal_is_a_stack_error_and_a_lost_engine_is_not() -> None:
    assert issubclass(EngineRefused, StackError)
    assert not issubclass(EngineGone, StackError)


def test_lab_errors_and_interrupts_pass_through() -> None:
    error = StackError("redis did not answer PING within 20 s")
    with pytest.raises(StackError) as excinfo, engine_errors():
        raise error
    assert excinfo.value is error
    with pytest.raises(KeyboardInterrupt), engine_errors():
        raise KeyboardInterrupt


class Images:
    def __init__(self, held: dict[str, Any]) -> None:
        self.held = held

    def get(self, ref: str) -> Any:
        if ref not in self.held:
            raise docker.errors.ImageNotFound(f"No such image: {ref}")
        return self.held[ref]


def test_the_adapter_reads_an_image_or_says_it_is_missing() -> None:
    image = SimpleNamespace(id="sha256:" + "a" * 64, labels={"lab.image": "aio"})
    engine = DockerEngine(SimpleNamespace(images=Images({"lab/aio:latest": image})))
    facts = engine.image("lab/aio:latest")
    assert (facts.id, facts.labels) == (image.id, {"lab.image": "aio"})
    with pytest.raises(ImageMissing, match="lab/base"):
        engine.image("lab/base:bookworm")


class Pinged:
    """A docker-py client whose ping answers or fails as told."""

    def __init__(self, up: bool) -> None:
        self.up = up
        self.api = self
        self.timeout = 60

    def ping(self) -> bool:
        if not self.up:
            raise requests.ConnectionError("Connection refused")
        return True


def engines_of(clients: dict[str, Pinged], ids: dict[str, str]) -> Engines:
    roles = {
        role: Placed(f"unix:///{ids[role]}.sock", "127.0.0.1", EngineFacts(ids[role], "h", 2))
        for role in ROLES
    }
    return Engines(clients["app"], dict(clients), Topology(roles))


def test_a_run_on_one_engine_names_no_engine_when_it_is_gone() -> None:
    gone = Pinged(up=False)
    engines = engines_of({role: gone for role in ROLES}, {role: "e1" for role in ROLES})
    assert engines.unanswering() == ["app+load+redis (unix:///e1.sock)"]
    assert DockerEngine(gone, engines).unanswering() == []  # "the Docker engine" says which


def test_a_run_on_several_engines_names_the_ones_gone() -> None:
    up, gone = Pinged(up=True), Pinged(up=False)
    engines = engines_of(
        {"app": up, "load": gone, "redis": up}, {"app": "e1", "load": "e2", "redis": "e1"}
    )
    assert DockerEngine(up, engines).unanswering() == ["load (unix:///e2.sock)"]
