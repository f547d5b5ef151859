"""The one lifecycle of an app under load, through the in-memory engine: any generator,
the readings around its window, and how the app's failures leave it."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import pytest

from lab.engine.generators.openload import OpenLoad
from lab.engine.generators.wrk import Wrk
from lab.engine.lifecycle import AppFailed, RunningApp, running_app
from lab.engine.port import Container, DatabaseSpec, EngineRefused, GroundLost, NetworkPath
from lab.model.config import build_config
from lab.model.mix import LAB_MIX, Mix
from lab.model.openload import StallSpec
from lab.model.plan import Blueprint, blueprint
from lab.model.scenarios import Request
from lab.results.execrecord import ExecRecord
from tests.unit.engine.fakes import FakeClock, FakeEngine, FakeStack, Outcome, fake_built

IMAGES = {item.name: item.image_id for item in fake_built()}


@dataclass(frozen=True, slots=True)
class Answered:
    requests: int
    seconds: float


@dataclass(frozen=True, slots=True)
class CurlLoop:
    """A generator in a dozen lines: curl after curl for the window; its result is how
    many answered. All a new generator needs: a command, a parse, the seconds it loaded."""

    lead_s: float = 0.0

    def command(self, url: str, request: Request | Mix, seconds: float) -> list[str]:  # noqa: ARG002
        loop = (
            'end=$(($(date +%s) + $2)); n=0; while [ "$(date +%s)" -lt "$end" ];'
            ' do curl -sf -o /dev/null "$1" && n=$((n + 1)); done; echo "$n $2"'
        )
        return ["sh", "-c", loop, "curl-loop", url, f"{seconds:g}"]

    def parse(self, run: ExecRecord) -> Answered:
        words = run.stdout.split()
        if run.exit_code != 0 or len(words) != 2 or not words[0].isdigit():
            raise ValueError(f"curl-loop printed no count (exit {run.exit_code})")
        return Answered(int(words[0]), float(words[1]))

    def load_seconds(self, result: Answered) -> float:
        return result.seconds


def counted(command: Sequence[str]) -> str:
    """What curl-loop prints in the fake's load container: 40 answers a second."""
    seconds = float(command[-1])
    return f"{round(40 * seconds)} {command[-1]}\n"


def plan_of(**overrides: Any) -> Blueprint:
    changes: dict[str, Any] = {"apps": ("aio",), "warmup_s": 0.0, "ceiling": False}
    return blueprint(build_config("quick", {**changes, **overrides}), host_cpus=2)


def opened(engine: FakeEngine, plan: Blueprint) -> FakeStack:
    """The run's stack, with PostgreSQL when a scenario of `plan` reads it."""
    slots = plan.placement
    database = DatabaseSpec(IMAGES["postgres"], plan.config.seed) if plan.needs_postgres else None
    return engine.run_stack(
        "r1", IMAGES["redis"], IMAGES["wrk"], slots.redis, slots.wrk, NetworkPath.of(plan), database
    )


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine(programs={"sh": counted})


@pytest.fixture
def stack(engine: FakeEngine) -> Iterator[FakeStack]:
    with opened(engine, plan_of()) as stack:
        yield stack


def aio(stack: Any, plan: Blueprint | None = None) -> AbstractContextManager[RunningApp]:
    """aio, for the hello scenario, as trial 1's app."""
    return running_app(stack, plan or plan_of(), IMAGES, FakeClock(), "aio", 1, "hello")


def apps(stack: FakeStack) -> list[Any]:
    return [container for container in stack.containers if container.role == "app"]


def test_a_new_generator_loads_a_verified_app_and_gets_every_reading(stack: FakeStack) -> None:
    with aio(stack) as app:
        assert app.verification is not None and app.verification["problems"] == []
        measured = app.measure(CurlLoop(), 2.0)
        assert app.alive() == (True, "running")

    assert measured.result == Answered(80, 2.0)
    assert measured.output_error is None
    assert measured.run.command[:2] == ("sh", "-c")
    assert measured.run.command[-2:] == ("http://app:8000/", "2")
    # The readings are the lifecycle's, whatever the generator: the host's evidence over
    # the window and each role's CPU use (the fake's samples are a second apart).
    assert measured.host is not None and measured.host_unavailable is None
    assert {cpu.cpu for cpu in measured.host.cpus} == {0, 1}
    app_cpu = measured.cpu["app"]
    assert app_cpu is not None and app_cpu.window_s == pytest.approx(1.0)
    assert set(measured.cpu) == {"app", "wrk", "redis"}
    assert measured.cpu_source == "cgroup" and measured.stalls is None
    assert all(container.removed for container in apps(stack))
    assert not stack.load.removed and not stack.redis.removed


def test_an_unusable_output_is_kept_with_what_is_wrong(engine: FakeEngine) -> None:
    engine.programs["sh"] = lambda _command: "curl: (7) Failed to connect\n"
    with opened(engine, plan_of()) as stack, aio(stack) as app:
        measured = app.measure(CurlLoop(), 2.0)
    assert measured.result is None
    assert measured.output_error == "curl-loop printed no count (exit 0)"
    assert measured.run.stdout == "curl: (7) Failed to connect\n"


def test_an_app_that_answers_wrongly_leaves_as_the_apps_failure_with_its_log(
    engine: FakeEngine,
) -> None:
    wrong = {"responses": [{"status": 500, "headers": {}, "body": "oops"}], "error": None}
    engine.outcomes[1] = Outcome(report=wrong, log="Traceback: boom")
    with opened(engine, plan_of()) as stack:
        with pytest.raises(AppFailed) as failed, aio(stack):
            pytest.fail("the body of a `with` whose app failed its checks runs not")
        assert failed.value.reason.startswith("verification failed: ")
        assert failed.value.log == "Traceback: boom"
        assert failed.value.verification is not None
        assert failed.value.verification["problems"]
        assert all(container.removed for container in apps(stack))


def test_a_failure_on_broken_ground_leaves_as_ground_lost(engine: FakeEngine) -> None:
    engine.ground = "the run's redis container lab-r1-redis is exited, exit code 137"
    engine.fail_at[("exec_load", 1)] = EngineRefused("409 Client Error: Conflict", "APIError")
    with opened(engine, plan_of()) as stack:
        with pytest.raises(GroundLost, match="redis container"), aio(stack) as app:
            app.measure(CurlLoop(), 2.0)
        assert all(container.removed for container in apps(stack))


def test_ctrl_c_leaves_the_app_and_its_load_to_the_runs_clean_up(engine: FakeEngine) -> None:
    plan = plan_of(network_path="shared")
    with opened(engine, plan) as stack:
        with pytest.raises(KeyboardInterrupt), aio(stack, plan):
            raise KeyboardInterrupt
        assert engine.called("remove") == []
    assert all(container.removed for container in stack.containers)


class SlowLoad:
    """The fake stack, with a load that takes `seconds` of real time: long enough for the
    stall injector's thread to pause the app."""

    def __init__(self, stack: FakeStack, seconds: float) -> None:
        self.stack, self.seconds = stack, seconds

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stack, name)

    def exec_load(self, command: list[str], on: Container | None = None) -> ExecRecord:
        threading.Event().wait(self.seconds)
        return self.stack.exec_load(command, on)


def test_a_stall_the_engine_refused_is_kept_beside_the_stalls(engine: FakeEngine) -> None:
    refused = EngineRefused("409 Client Error: container is not running", "APIError")
    engine.fail_at[("pause", 2)] = refused
    plan = plan_of(inject_stall="20ms/100ms")
    assert plan.config.inject_stall == StallSpec(0.02, 0.1)
    with opened(engine, plan) as fake:
        stack: Any = SlowLoad(fake, 0.6)
        with aio(stack, plan) as app:
            measured = app.measure(CurlLoop(), 2.0)
    assert measured.stalls is not None
    assert len(measured.stalls.stalls) == 1  # the first pause; the second was refused
    assert measured.stalls.error == "APIError: 409 Client Error: container is not running"


def test_a_mix_is_verified_part_by_part_and_loaded_as_one(engine: FakeEngine) -> None:
    plan = plan_of(scenarios=("mix",))
    with (
        opened(engine, plan) as stack,
        running_app(stack, plan, IMAGES, FakeClock(), "aio", 1, "mix") as app,
    ):
        assert app.verification is not None and app.verification["problems"] == []
        assert set(app.verification["reports"]) == set(LAB_MIX)
        assert "report" not in app.verification
        wrk = app.measure(Wrk(2, 64, 5), 2.0)
        opened_loop = app.measure(OpenLoad(500.0, 64, 2, 1.0, 5.0), 2.0)

    fetched = [
        call[3] for call in stack.engine.calls if call[:3] == ("probe", stack.load.name, "fetch")
    ]
    paths = ["/", "/json", "/io?ms=20", "/db", "/queries?n=20", "/fortunes"]
    assert fetched == [f"http://app:8000{path}" for path in paths]
    weights = [str(weight) for weight in LAB_MIX.values()]
    assert wrk.run.command[-15:] == (
        "http://app:8000/", "--", "mix",
        *(word for pair in zip(weights, paths, strict=True) for word in pair),
    )  # fmt: skip
    mix_flags = (("--mix", f"{w}:{path}") for w, path in zip(weights, paths, strict=True))
    assert opened_loop.run.command[-13:] == (
        *(w for flag in mix_flags for w in flag),
        "http://app:8000/",
    )


def test_a_mix_with_one_part_answered_wrongly_fails_naming_the_part(engine: FakeEngine) -> None:
    wrong = {"responses": [{"status": 404, "headers": {}, "body": ""}], "error": None}
    engine.outcomes[1] = Outcome(reports={"/json": wrong})
    plan = plan_of(scenarios=("mix",))
    with (
        opened(engine, plan) as stack,
        pytest.raises(AppFailed) as failed,
        running_app(stack, plan, IMAGES, FakeClock(), "aio", 1, "mix"),
    ):
        pytest.fail("a mix with a wrong part is not loaded")
    assert failed.value.reason.startswith("verification failed: json: response 1: status 404")
    assert " | json: " in failed.value.reason and "hello:" not in failed.value.reason
    assert failed.value.verification is not None
    assert set(failed.value.verification["reports"]) == set(LAB_MIX)
