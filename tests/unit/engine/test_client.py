"""docker-py's and requests' exceptions become the port's, with their message and name kept."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import docker.errors
import pytest
import requests

from lab.engine.adapter import DockerEngine
from lab.engine.client import engine_errors
from lab.engine.port import (
    EngineGone,
    EngineRefused,
    EngineRequestFailed,
    ImageMissing,
    StackError,
)


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
