"""`lab run --mode open` through the in-memory engine: ceiling, sweeps, points on disk."""

from __future__ import annotations

import functools
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from lab.analysis.runs import load_run
from lab.engine.opentrial import SWEEP_BASE
from lab.engine.stall import StallInjector
from lab.errors import Interrupted
from lab.model.config import build_config
from lab.model.openload import StallSpec, ceiling_rates
from lab.model.plan import Blueprint, blueprint
from lab.report.opencontent import open_content, open_run_findings
from lab.results.store import RunStore
from tests.unit.engine.fakes import FakeEngine, Outcome, openload_line
from tests.unit.engine.test_runner import run_dir_of, run_with


def open_plan(out: Path, **overrides: Any) -> Blueprint:
    changes: dict[str, Any] = {"out": str(out), "warmup_s": 0.0, "mode": "open", **overrides}
    return blueprint(build_config("quick", changes), host_cpus=2)


def sweeps_of(run_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted((run_dir / "open").glob("*.json"))]


def test_each_app_is_offered_its_share_of_its_own_closed_loop_throughput(tmp_path: Path) -> None:
    # The fake's wrk serves 1,000 req/s closed-loop, so 25% is 250 req/s for every app.
    run_with(FakeEngine(), open_plan(tmp_path), tmp_path)
    sweeps = sweeps_of(run_dir_of(tmp_path))
    assert len(sweeps) == 4
    assert {(s["app"], s["scenario"]) for s in sweeps} == {
        (app, scenario) for app in ("flask", "aio") for scenario in ("hello", "hit")
    }
    for sweep in sweeps:
        assert sweep["status"] == "complete"
        assert [p["rate"] for p in sweep["points"]] == ["25%", "50%", "75%", "100%"]
        assert [p["rate_rps"] for p in sweep["points"]] == [250.0, 500.0, 750.0, 1000.0]
        assert all(p["status"] == "ok" for p in sweep["points"])
        # The raw line, with its histogram, is kept beside the derived figures.
        first = sweep["points"][0]
        assert json.loads(first["generator"]["stdout"])["latency_us"]["buckets"]
        assert first["figures"]["latency_us"]["p99"] == 1000


def test_the_generator_ceiling_doubles_until_a_rate_is_not_held(tmp_path: Path) -> None:
    # The static server (index SWEEP_BASE) answers up to 10,000 req/s.
    static = Outcome(openload=functools.partial(openload_line, capacity=10_000))
    run_with(FakeEngine(outcomes={SWEEP_BASE: static}), open_plan(tmp_path), tmp_path)
    run_dir = run_dir_of(tmp_path)
    ceiling = json.loads((run_dir / "run.json").read_text())["open_ceiling"]
    assert ceiling["rps"] == 8_000.0 and ceiling["bounded"] is True
    steps = json.loads((run_dir / "open-ceiling.json").read_text())["steps"]
    assert [s["rate_rps"] for s in steps] == list(ceiling_rates()[:4])
    assert "achieved 10,000 of 16,000 req/s" in steps[-1]["reason"]


def test_a_rate_past_the_apps_capacity_is_invalid_and_sets_the_knee(tmp_path: Path) -> None:
    slow = Outcome(openload=functools.partial(openload_line, capacity=600))
    plan = open_plan(tmp_path, apps="aio", scenarios="hello")
    run_with(FakeEngine(outcomes={SWEEP_BASE + 1: slow}), plan, tmp_path)
    data = load_run(run_dir_of(tmp_path))
    content = open_content(data)
    assert content is not None
    (knee,) = content.knees
    assert knee.startswith("aio hello: knee at 50% (500 req/s); at 75%: invalid: achieved 600")
    codes = [f.code for f in open_run_findings(data)]
    assert codes.count("open-point-invalid") == 2


def test_a_tail_over_the_slo_sets_the_knee(tmp_path: Path) -> None:
    def tail(rate: float) -> str:
        # From 75% on, 2% of the answers take 300 ms: p99 over the 100 ms promise.
        return openload_line(rate, slow_share=0.02 if rate >= 750 else 0.0, slow_us=300_000)

    plan = open_plan(tmp_path, apps="aio", scenarios="hello")
    run_with(FakeEngine(outcomes={SWEEP_BASE + 1: Outcome(openload=tail)}), plan, tmp_path)
    content = open_content(load_run(run_dir_of(tmp_path)))
    assert content is not None
    assert content.knees == ("aio hello: knee at 50% (500 req/s); at 75%: p99 300.0 ms > 100 ms",)


def test_an_app_that_dies_mid_sweep_fails_the_sweep_with_its_log(tmp_path: Path) -> None:
    dying = Outcome(dies="exited, exit code 137", log="Killed")
    plan = open_plan(tmp_path, apps="aio", scenarios="hello")
    run_with(FakeEngine(outcomes={SWEEP_BASE + 1: dying}), plan, tmp_path)
    (sweep,) = sweeps_of(run_dir_of(tmp_path))
    assert sweep["status"] == "failed"
    assert sweep["reason"] == "app container exited, exit code 137 at 25%"
    assert len(sweep["points"]) == 1 and sweep["app_log"] == "Killed"


def test_absolute_rates_need_no_closed_loop_figure(tmp_path: Path) -> None:
    plan = open_plan(tmp_path, apps="aio", scenarios="hello", rates="100,300")
    run_with(FakeEngine(), plan, tmp_path)
    (sweep,) = sweeps_of(run_dir_of(tmp_path))
    assert [p["rate_rps"] for p in sweep["points"]] == [100.0, 300.0]


def test_a_resumed_open_run_skips_the_sweeps_already_complete(tmp_path: Path) -> None:
    plan = open_plan(tmp_path)
    run_with(FakeEngine(), plan, tmp_path)
    run_dir = run_dir_of(tmp_path)
    (run_dir / "open" / "0003.json").unlink()
    engine = FakeEngine()
    run_with(engine, plan, tmp_path, resume=RunStore(run_dir))
    # Neither the closed-loop trials nor the generator's ceiling nor the other sweeps again.
    assert [index for index, _ in engine.called("start_app")] == [SWEEP_BASE + 3]
    assert len(sweeps_of(run_dir)) == 4


class SlowStack:
    """Just enough of a stack for the injector: pause and unpause, timed."""

    def __init__(self) -> None:
        self.events: list[tuple[str, float]] = []
        self.lock = threading.Lock()

    def pause(self, _container: object) -> None:
        with self.lock:
            self.events.append(("pause", time.monotonic()))

    def unpause(self, _container: object) -> None:
        with self.lock:
            self.events.append(("unpause", time.monotonic()))


def test_the_injector_pauses_in_the_middle_of_each_period_and_always_thaws() -> None:
    stack = SlowStack()
    spec = StallSpec(0.05, 0.2)
    began = time.monotonic()
    with StallInjector(stack, object(), spec, window_s=0.45) as injector:  # type: ignore[arg-type]
        time.sleep(0.5)
    kinds = [kind for kind, _ in stack.events]
    assert kinds == ["pause", "unpause", "pause", "unpause"]
    starts = [at - began for kind, at in stack.events if kind == "pause"]
    assert starts == pytest.approx([0.075, 0.275], abs=0.04)
    assert [paused for _, paused in injector.stalls] == pytest.approx([0.05, 0.05], abs=0.03)


def test_leaving_the_injector_mid_pause_thaws_the_app() -> None:
    stack = SlowStack()
    with StallInjector(stack, object(), StallSpec(1.0, 4.0), window_s=4.0):  # type: ignore[arg-type]
        time.sleep(1.7)  # the pause began at 1.5 s
    assert [kind for kind, _ in stack.events] == ["pause", "unpause"]
    assert stack.events[1][1] - stack.events[0][1] < 0.5


def test_the_report_shows_the_knee_the_table_and_the_chart(tmp_path: Path) -> None:
    from lab.report.write import write_reports

    run_with(FakeEngine(), open_plan(tmp_path), tmp_path)
    markdown, page = write_reports(run_dir_of(tmp_path))
    text = markdown.read_text()
    assert "## Open loop: latency against offered load" in text
    assert "- aio hit: p99 within 100 ms at every rate offered, up to 100% (1,000 req/s)" in text
    assert "| aio | hello | 50% | 500 | 500 | 1.0 ms |" in text
    html = page.read_text()
    assert '<figure class="chart" id="chart-open">' in html
    assert html.count('aria-label="Latency percentiles against offered load') == 1


def test_compare_sets_two_open_runs_side_by_side(tmp_path: Path) -> None:
    import argparse
    import io

    from rich.console import Console

    from lab.cli.results import register

    def tail(rate: float) -> str:
        return openload_line(rate, slow_share=0.02 if rate >= 750 else 0.0, slow_us=300_000)

    plan_a = open_plan(tmp_path / "a", apps="aio", scenarios="hello")
    plan_b = open_plan(tmp_path / "b", apps="aio", scenarios="hello")
    run_with(FakeEngine(), plan_a, tmp_path)
    run_with(FakeEngine(outcomes={SWEEP_BASE + 1: Outcome(openload=tail)}), plan_b, tmp_path)
    parser = argparse.ArgumentParser(prog="lab")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(
        ["compare", str(run_dir_of(tmp_path / "a")), str(run_dir_of(tmp_path / "b"))]
    )
    out = io.StringIO()
    args.func(args, Console(file=out, width=200), Console(file=io.StringIO(), width=200))
    printed = out.getvalue()
    assert "aio hello 75% (750 -> 750 req/s): p99 1.0 ms -> 300 ms (+29900%)" in printed
    assert "knee aio hello (p99 <= 100 ms): 100% (1,000 req/s) -> 50% (500 req/s)" in printed


def test_show_prints_the_open_table_and_knees(tmp_path: Path) -> None:
    import argparse
    import io

    from rich.console import Console

    from lab.cli.results import register

    run_with(FakeEngine(), open_plan(tmp_path, apps="aio", scenarios="hit"), tmp_path)
    parser = argparse.ArgumentParser(prog="lab")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["show", str(run_dir_of(tmp_path))])
    out = io.StringIO()
    args.func(args, Console(file=out, width=200), Console(file=io.StringIO(), width=200))
    printed = out.getvalue()
    assert "open loop: latency against offered load" in printed
    assert "aio hit: p99 within 100 ms at every rate offered, up to 100% (1,000 req/s)" in printed
    assert "generator's own open-loop ceiling: 128,000 req/s or more" in printed


def test_each_point_keeps_the_hosts_evidence_and_the_cpu_of_its_window(tmp_path: Path) -> None:
    # Something else took 30% of the app's CPU (CPU 1) while the sweep's app was loaded.
    disturbed = Outcome(disturbed={1: {"foreign": 0.3}})
    plan = open_plan(tmp_path, apps="aio", scenarios="hello")
    run_with(FakeEngine(outcomes={SWEEP_BASE + 1: disturbed}), plan, tmp_path)
    (written,) = sweeps_of(run_dir_of(tmp_path))
    assert written["schema_version"] == 2
    for point in written["points"]:
        shares = {cpu["cpu"]: cpu["foreign_share"] for cpu in point["host"]["cpus"]}
        assert shares == {0: 0.0, 1: pytest.approx(0.3)}
        assert set(point["cpu"]) == {"app", "wrk", "redis"}
        assert point["cpu"]["app"]["share"] == pytest.approx(0.5)
    (sweep,) = load_run(run_dir_of(tmp_path)).sweeps
    assert all(point.host is not None and point.cpu is not None for point in sweep.points)
    assert sweep.to_dict() == written  # and it reads back as written


def test_a_host_that_cannot_be_read_says_why_on_each_point(tmp_path: Path) -> None:
    remote = Outcome(host_unavailable="a role's engine is on another host")
    plan = open_plan(tmp_path, apps="aio", scenarios="hello")
    run_with(FakeEngine(outcomes={SWEEP_BASE + 1: remote}), plan, tmp_path)
    (written,) = sweeps_of(run_dir_of(tmp_path))
    assert all(
        point["host"] == {"unavailable": "a role's engine is on another host"}
        for point in written["points"]
    )


def test_ctrl_c_in_the_generator_ceiling_leaves_its_app_to_the_runs_clean_up(
    tmp_path: Path,
) -> None:
    # Four closed-loop trials load once each; the fifth load is the ceiling's first rate.
    engine = FakeEngine(fail_at={("exec_load", 5): KeyboardInterrupt()})
    with pytest.raises(Interrupted):
        run_with(engine, open_plan(tmp_path, ceiling=False), tmp_path)
    removed = [name for (name,) in engine.called("remove")]
    assert len(removed) == 4
    assert not any(name.endswith(f"-app-{SWEEP_BASE}") for name in removed)
    assert all(container.removed for container in engine.stacks[0].containers)
