"""A gate through the fake engine: rounds added until the verdict is decided, then
gate.json, gate.md and the exit code a CI job reads."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from rich.console import Console

from lab.cli.gate import finish_gate
from lab.engine.runner import run
from lab.errors import EXIT_INCONCLUSIVE, EXIT_OK, EXIT_REGRESSED
from lab.model.config import build_config
from lab.model.plan import Blueprint, blueprint
from tests.unit.engine.fakes import FakeClock, FakeEngine, Outcome, RecordingReporter, wrk_lines


def gate_plan(out: Path, **overrides: Any) -> Blueprint:
    """flask (BASE) against aio (HEAD) on hello, gated at 5%."""
    changes: dict[str, Any] = {
        "out": str(out),
        "warmup_s": 0.0,
        "apps": "flask,aio",
        "scenarios": "hello",
        "gate_pct": "5",
        "ceiling": False,
        **overrides,
    }
    return blueprint(build_config("quick", changes), host_cpus=2)


def outcomes(plan: Blueprint, head: dict[int, int], otherwise: int) -> dict[int, Outcome]:
    """BASE steady at 1,000 req/s; HEAD as `head` says by round, else `otherwise`."""
    return {
        t.index: Outcome(
            wrk=wrk_lines(head.get(t.repetition, otherwise) if t.app == "aio" else 1000)
        )
        for t in (*plan.trials, *plan.extra_trials)
    }


# The first look (4 rounds) is too noisy to place HEAD against -5%; later rounds, steady
# at 0.85, make it regressed at the look at 8.
NOISY_START = {1: 850, 2: 950, 3: 800, 4: 900}


def gate_run(tmp_path: Path, head: dict[int, int], otherwise: int, **overrides: Any) -> Any:
    plan = gate_plan(tmp_path / "out", **overrides)
    reporter = RecordingReporter()
    outcome = run(
        FakeEngine(outcomes=outcomes(plan, head, otherwise)),
        plan,
        tmp_path,
        reporter,
        clock=FakeClock(),
    )
    return plan, outcome, reporter


def finished(plan: Blueprint, run_dir: Path) -> tuple[int, str]:
    text = io.StringIO()
    code = finish_gate(plan.config, run_dir, Console(file=text, width=200))
    return code, text.getvalue()


def test_an_undecided_first_look_adds_rounds_to_the_next_look_and_stops_decided(
    tmp_path: Path,
) -> None:
    plan, outcome, reporter = gate_run(tmp_path, NOISY_START, 850)
    assert plan.config.repetitions == 4  # raised from quick's 1: the first look
    assert max(record.repetition for record in outcome.records) == 8
    assert [count for count, _ in reporter.extended] == [2, 2, 2, 2]
    assert "gate: adding a round toward the look at 8 rounds" in reporter.extended[0][1]

    code, printed = finished(plan, outcome.run_dir)
    assert code == EXIT_REGRESSED
    gate = json.loads((outcome.run_dir / "gate.json").read_text())
    assert (gate["kind"], gate["outcome"], gate["stopped_by"], gate["rounds"]) == (
        "lab.gate",
        "regressed",
        "target",
        8,
    )
    (verdict,) = gate["verdicts"]
    assert verdict["verdict"] == "regressed" and verdict["ci"][1] < 0.95
    markdown = (outcome.run_dir / "gate.md").read_text()
    assert markdown.startswith("# Gate: REGRESSED — `aio` against `flask`")
    assert "| hello @64 | regressed |" in markdown
    assert "python -m lab gate flask aio --threshold 5" in markdown
    assert printed.splitlines()[0] == markdown.splitlines()[0]


def test_a_head_like_base_passes_at_the_first_look(tmp_path: Path) -> None:
    plan, outcome, reporter = gate_run(tmp_path, {1: 1000, 2: 1010, 3: 995, 4: 1005}, 1000)
    assert max(record.repetition for record in outcome.records) == 4
    assert reporter.extended == []
    code, _ = finished(plan, outcome.run_dir)
    assert code == EXIT_OK
    assert json.loads((outcome.run_dir / "gate.json").read_text())["outcome"] == "pass"


def test_a_gate_still_undecided_at_its_bound_is_inconclusive(tmp_path: Path) -> None:
    swinging = {n: 850 if n % 2 else 1050 for n in range(1, 31)}
    plan, outcome, _ = gate_run(tmp_path, swinging, 1000, max_repetitions="12")
    assert max(record.repetition for record in outcome.records) == 12
    code, _ = finished(plan, outcome.run_dir)
    gate = json.loads((outcome.run_dir / "gate.json").read_text())
    assert code == EXIT_INCONCLUSIVE
    assert (gate["outcome"], gate["stopped_by"], gate["looks"]) == (
        "inconclusive",
        "max-repetitions",
        [4, 8, 12],
    )


def test_the_summary_states_the_gates_interval_for_head_over_base(tmp_path: Path) -> None:
    """Rounds chosen by what the gate saw void the plain interval's 95%; the repeated
    interval keeps it, and the summary states that one."""
    plan, outcome, _ = gate_run(tmp_path, NOISY_START, 850)
    finished(plan, outcome.run_dir)
    summary = json.loads((outcome.run_dir / "summary.json").read_text())
    gate = json.loads((outcome.run_dir / "gate.json").read_text())
    (ratio,) = summary["ratios"]
    (verdict,) = gate["verdicts"]
    assert (ratio["numerator"], ratio["denominator"]) == ("aio", "flask")
    assert ratio["ci"]["method"] == "repeated confidence interval (Pocock), paired by round"
    assert ratio["ci"]["level"] == 0.95
    assert [ratio["ci"]["low"], ratio["ci"]["high"]] == verdict["ci"]
    assert ratio["pairs"] == 8


def test_a_gate_interrupted_in_its_added_rounds_counts_them_beside_the_planned() -> None:
    from lab.engine.endings import stopped

    ending = stopped(KeyboardInterrupt(), 19, 16, Path("/r/1"))
    assert ending.error is not None
    assert "interrupted after 19 trials (16 planned, the rest added by its rule)" in str(
        ending.error
    )


def test_a_gate_of_a_version_is_reproduced_by_its_entry_not_its_derived_folder(
    tmp_path: Path,
) -> None:
    from lab.cli.gate import reproduce_command
    from tests.unit.derived import derived_aio, version_of

    folder = derived_aio(tmp_path)
    config = build_config(
        "quick",
        {
            "apps": "aio,aio@aiohttp==3.9.5",
            "versions": (version_of(folder),),
            "gate_pct": "5",
            "scenarios": "hello",
        },
    )
    assert reproduce_command(config) == (
        "python -m lab gate aio aio@aiohttp==3.9.5 --threshold 5 --scenarios hello"
        " --repetitions 1 --duration 2s --seed 1"
    )
