"""One trial through the in-memory engine: what it checks, its record, and how it fails."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lab.engine.port import (
    EngineGone,
    EngineRefused,
    EngineRequestFailed,
    GroundLost,
    NetworkPath,
)
from lab.engine.trial import run_trial
from lab.model.config import build_config
from lab.model.plan import Blueprint, Trial, blueprint
from lab.results.records import TrialRecord
from tests.unit.engine.fakes import FakeClock, FakeEngine, FakeStack, Outcome, fake_built

IMAGES = {item.name: item.image_id for item in fake_built()}


def plan_of(**overrides: Any) -> Blueprint:
    changes: dict[str, Any] = {"apps": ("aio",), "warmup_s": 0.0, "ceiling": False}
    return blueprint(build_config("quick", {**changes, **overrides}), host_cpus=2)


def opened(engine: FakeEngine, **overrides: Any) -> FakeStack:
    """The run stack of run `r1` on the plan's network path, not yet entered."""
    plan = plan_of(**overrides)
    slots = plan.placement
    return engine.run_stack(
        "r1", IMAGES["redis"], IMAGES["wrk"], slots.redis, slots.wrk, NetworkPath.of(plan)
    )


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
def stack(engine: FakeEngine) -> Iterator[FakeStack]:
    with opened(engine) as stack:
        yield stack


def trial_of(stack: FakeStack, scenario: str = "hello", **overrides: Any) -> TrialRecord:
    plan = plan_of(**overrides)
    trial = Trial(1, "aio", scenario, plan.connections[0], 1)
    return run_trial(stack, trial, plan, IMAGES, FakeClock())


def apps(stack: FakeStack) -> list[Any]:
    return [container for container in stack.containers if container.role == "app"]


def test_a_hello_trial_checks_the_app_before_wrk_and_removes_only_the_app(
    stack: FakeStack,
) -> None:
    record = trial_of(stack)
    assert record.status == "ok", record.reason
    assert record.rps == 1000
    assert record.app_log is None
    calls = [call for call in stack.engine.calls if call[0] != "open"]
    app = "lab-r1-app-1"
    assert calls[0] == ("start_app", 1, IMAGES["aio"])  # a fresh app, from the image's ID
    assert stack.engine.called("start_app") == [(1, IMAGES["aio"])]
    # One load, the measured one: this plan has no warmup.
    (wrk,) = [n for n, call in enumerate(calls) if call[0] == "exec_load"]
    assert calls[wrk][1] == stack.load.name  # from the run's own load container
    before, after = calls[:wrk], calls[wrk + 1 :]

    # Before wrk: the limits and confinement read back from the app, the app seen alive and
    # answering, its answers verified once, and the host watched over all three roles.
    assert {("applied_limits", app), ("isolation_facts", app), ("is_running", app)} <= set(before)
    probes = [call[1:3] for call in before if call[0] == "probe"]
    assert probes == [(stack.load.name, "wait"), (stack.load.name, "fetch")]
    assert ("watch_host", "app", "wrk", "redis") in before
    # A hello trial leaves Redis's counter alone and needs no engine stats nor ground check.
    assert not {"reset_counter", "settled_counter", "snapshot", "ground_fault"} & {
        call[0] for call in calls
    }

    # After wrk: whether the app survived the load, then the app removed, and nothing
    # touched after that; the run's load container and Redis stay for the next trial.
    assert ("is_running", app) in after
    assert after[-1] == ("remove", app)
    assert stack.engine.called("remove") == [(app,)]
    assert all(container.removed for container in apps(stack))
    assert not stack.load.removed and not stack.redis.removed
    assert record.verification is not None
    assert record.verification["applied"]["cpuset"] == plan_of().placement.app.cpuset
    assert record.verification["isolation"]["cap_drop"] == ["ALL"]
    assert record.verification["problems"] == []
    assert record.cpu is not None and record.cpu["app"] is not None
    assert record.started_at < record.finished_at


def test_a_hit_trial_resets_the_counter_and_checks_the_invariant(stack: FakeStack) -> None:
    record = trial_of(stack, "hit")
    assert record.status == "ok", record.reason
    assert stack.engine.counts["reset_counter"] == 1
    assert stack.engine.counts["settled_counter"] == 2
    assert record.invariant is not None and record.invariant["holds"] is True
    assert record.invariant["delta"] == record.ok_responses == 1000


def test_the_host_evidence_of_the_window_is_kept_with_the_trial(engine: FakeEngine) -> None:
    engine.outcomes[1] = Outcome(disturbed={1: {"foreign": 0.3, "steal": 0.02}})
    with opened(engine) as stack:
        record = trial_of(stack)
    assert record.host is not None
    cpus = {cpu.cpu: cpu for cpu in record.host.cpus}
    assert cpus[1].roles == ("app",)
    assert cpus[1].share("foreign") == pytest.approx(0.3)
    assert cpus[1].share("steal") == pytest.approx(0.02)
    assert cpus[0].share("foreign") == 0.0
    assert record.host.controller_share == pytest.approx(0.001)


def test_a_host_that_cannot_be_read_says_why_and_the_trial_goes_on(engine: FakeEngine) -> None:
    engine.outcomes[1] = Outcome(host_unavailable="the engine runs on another host")
    with opened(engine) as stack:
        record = trial_of(stack)
    assert record.status == "ok"
    assert record.host is None
    assert record.host_unavailable == "the engine runs on another host"
    assert record.to_dict()["host"] == {"unavailable": "the engine runs on another host"}


def test_cpu_use_comes_from_the_cgroup_samples_around_wrk_without_engine_stats(
    stack: FakeStack,
) -> None:
    record = trial_of(stack)
    assert stack.engine.counts["snapshot"] == 0
    assert record.verification is not None
    assert record.verification["cpu_source"] == "cgroup"
    assert record.cpu is not None
    app = record.cpu["app"]
    # The fake's samples are 1 s apart, each role busy half of each of its CPUs.
    assert app is not None
    assert app.window_s == pytest.approx(1.0)
    assert app.used_s == pytest.approx(0.5 * len(plan_of().placement.app.cpu_ids))
    assert (app.periods, app.throttled_periods, app.throttled_s) == (10, 1, pytest.approx(0.01))


@pytest.mark.parametrize(
    "outcome",
    [Outcome(host_unavailable="the engine runs on another host"), Outcome(throttling_kept=False)],
    ids=["host-unreadable", "no-cfs-counters"],
)
def test_without_cgroup_counters_cpu_use_comes_from_engine_stats_around_wrk(
    engine: FakeEngine, outcome: Outcome
) -> None:
    engine.outcomes[1] = outcome
    with opened(engine) as stack:
        record = trial_of(stack)
    order = [call[0] for call in engine.calls if call[0] in ("snapshot", "exec_load")]
    assert order[-3:] == ["snapshot", "exec_load", "snapshot"]
    assert order.count("snapshot") == 2
    assert record.verification is not None
    assert record.verification["cpu_source"] == "engine stats"
    assert record.cpu is not None and record.cpu["app"] is not None
    assert record.cpu["app"].window_s == pytest.approx(1.0)  # the fake's stats are 1 s apart


def test_the_counter_is_read_once_the_app_drained_within_a_bound_tied_to_the_timeout(
    stack: FakeStack,
) -> None:
    trial_of(stack, "hit", timeout_s=4.0)
    waits = [args[1] for args in stack.engine.called("settled_counter")]
    assert waits == [13.0, 13.0]  # twice --timeout, and 5 s


def test_an_app_that_keeps_connections_open_after_the_load_fails(engine: FakeEngine) -> None:
    engine.outcomes[1] = Outcome(in_flight=3)
    with opened(engine) as stack:
        record = trial_of(stack, "hit")
    assert record.status == "failed"
    assert "the app still had 3 connections open" in (record.reason or "")


def test_the_wrk_command_carries_the_plan(stack: FakeStack) -> None:
    trial_of(stack, "hit", duration_s=3.0, timeout_s=4.0)
    ((where, *command),) = stack.engine.called("exec_load")
    assert where == stack.load.name
    assert command[:5] == ["wrk", "-t1", "-c64", "-d3s", "--timeout=4s"]
    assert command[-1] == "http://app:8000/hit"


def test_a_warmup_runs_wrk_first_and_records_only_its_exit_code(stack: FakeStack) -> None:
    record = trial_of(stack, warmup_s=2.0)
    durations = [call[4] for call in stack.engine.called("exec_load")]
    assert durations == ["-d2s", "-d2s"]  # the quick preset loads for 2 s as well
    assert record.verification is not None and record.verification["warmup_exit_code"] == 0


def test_a_wrong_answer_fails_the_trial_before_any_load(engine: FakeEngine) -> None:
    wrong = {"responses": [{"status": 500, "headers": {}, "body": "oops"}], "error": None}
    engine.outcomes[1] = Outcome(report=wrong)
    with opened(engine) as stack:
        record = trial_of(stack)
    assert record.status == "failed"
    assert record.reason is not None and record.reason.startswith("verification failed: ")
    assert "status 500" in record.reason
    assert record.app_log == "Booting worker with pid: 7"
    assert engine.called("exec_load") == []
    assert all(app.removed for app in apps(stack))


def test_an_app_that_dies_under_load_fails_with_its_state_and_log(engine: FakeEngine) -> None:
    engine.outcomes[1] = Outcome(dies="exited, exit code 137 (out of memory)", log="Killed")
    with opened(engine) as stack:
        record = trial_of(stack)
    assert record.status == "failed"
    assert record.reason is not None
    assert "app container exited, exit code 137 (out of memory) during the trial" in record.reason
    assert record.app_log == "Killed"
    assert record.rps is not None  # wrk's figures are kept beside the reason


def test_readiness_is_waited_for_without_sleeping(engine: FakeEngine) -> None:
    engine.outcomes[1] = Outcome(ready_after=2)
    with opened(engine) as stack:
        record = trial_of(stack)
    assert record.status == "ok", record.reason
    waits = [call for call in engine.called("probe") if call[1] == "wait"]
    assert len(waits) == 3


def test_an_app_that_never_answers_fails_after_a_bounded_wait(engine: FakeEngine) -> None:
    engine.outcomes[1] = Outcome(ready_after=None)
    with opened(engine) as stack:
        record = trial_of(stack, ready_timeout_s=10.0)
    assert record.status == "failed"
    assert record.reason == "app did not answer within 10 s (last error: connection refused)"
    waits = [call for call in engine.called("probe") if call[1] == "wait"]
    assert 1 <= len(waits) <= 10  # the fake clock moves a second a reading
    assert record.app_log


def test_an_engine_refusal_on_whole_ground_is_the_apps_failed_record() -> None:
    refused = EngineRefused("409 Client Error: Conflict", "APIError")
    engine = FakeEngine(fail_at={("exec_load", 1): refused})
    with opened(engine) as stack:
        record = trial_of(stack)
    assert record.status == "failed"
    assert record.reason is not None and record.reason.startswith("APIError: 409 Client Error")
    assert engine.called("ground_fault") == [(None,)]
    assert all(app.removed for app in apps(stack))


@pytest.mark.parametrize(
    "outcome",
    [Outcome(dies="exited, exit code 137"), Outcome(report={"responses": [], "error": "reset"})],
    ids=["app died", "wrong answer"],
)
def test_a_failure_on_broken_ground_is_raised_not_recorded(outcome: Outcome) -> None:
    gone = "the run's redis container lab-r1-redis is exited, exit code 137"
    engine = FakeEngine(outcomes={1: outcome}, ground=gone)
    with opened(engine, network_path="shared") as stack:
        with pytest.raises(GroundLost, match=gone):
            trial_of(stack, network_path="shared")
        assert engine.called("ground_fault") == [("lab-r1-wrk-1",)]  # the trial's own too
        assert all(app.removed for app in apps(stack))


def test_an_engine_that_does_not_answer_ends_the_trial_unrecorded() -> None:
    slow = EngineRequestFailed("Read timed out.", "ReadTimeout")
    engine = FakeEngine(fail_at={("exec_load", 1): slow})
    with opened(engine) as stack, pytest.raises(EngineRequestFailed, match="Read timed out"):
        trial_of(stack)
    assert engine.called("ground_fault") == []


def test_a_lost_engine_ends_the_trial_from_its_clean_up() -> None:
    gone = EngineGone("('Connection aborted.', FileNotFoundError(2))", "ConnectionError")
    engine = FakeEngine(fail_at={("exec_load", 1): gone})
    stack = opened(engine).__enter__()
    with pytest.raises(EngineGone, match="Connection aborted"):
        trial_of(stack)
    assert engine.calls[-1] == ("remove", "lab-r1-app-1")


def test_ctrl_c_in_a_trial_leaves_its_containers_to_the_runs_clean_up() -> None:
    """The stack's close removes every container at once; one by one first is slower."""
    engine = FakeEngine(fail_at={("exec_load", 1): KeyboardInterrupt()})
    with opened(engine, network_path="shared") as stack:
        with pytest.raises(KeyboardInterrupt):
            trial_of(stack, network_path="shared")
        assert engine.called("remove") == []
    assert all(container.removed for container in stack.containers)


def test_the_shared_path_loads_from_a_container_of_its_own(engine: FakeEngine) -> None:
    with opened(engine, network_path="shared") as stack:
        record = trial_of(stack, network_path="shared")
    assert record.status == "ok", record.reason
    ((where, *_),) = stack.engine.called("exec_load")
    assert where == "lab-r1-wrk-1"
    assert stack.engine.called("exec_load")[0][-1] == "http://127.0.0.1:8000/"
    removed = [call[0] for call in stack.engine.called("remove")]
    assert removed == ["lab-r1-wrk-1", "lab-r1-app-1"]


def test_the_apps_memory_is_read_at_the_end_of_the_window(stack: FakeStack) -> None:
    record = trial_of(stack)
    assert record.memory is not None and record.memory_unavailable is None
    assert [p.role for p in record.memory.processes] == ["parent", "worker", "worker"]
    written = record.to_dict()["memory"]
    assert written["peak_bytes"] == 120 * 1024 * 1024
    assert TrialRecord.from_dict(record.to_dict()) == record


@pytest.mark.parametrize(
    ("outcome", "reason"),
    [
        (Outcome(host_unavailable="the engine runs on another host"), "another host"),
        (Outcome(memory_unavailable="no memory controller"), "no memory controller"),
    ],
    ids=["host-unreadable", "no-memory-cgroup"],
)
def test_memory_that_cannot_be_read_is_null_with_the_reason(
    engine: FakeEngine, outcome: Outcome, reason: str
) -> None:
    engine.outcomes[1] = outcome
    with opened(engine) as stack:
        record = trial_of(stack)
    assert record.status == "ok"
    assert record.memory is None
    assert record.memory_unavailable is not None and reason in record.memory_unavailable
    assert record.to_dict()["memory"] == {"unavailable": record.memory_unavailable}
