"""The plan as `python -m lab plan` prints it."""

from __future__ import annotations

from lab.cli.plantext import render_plan
from lab.model.config import build_config
from lab.model.cpurequest import CpuRequest
from lab.model.placement import place
from lab.model.plan import estimate_seconds, make_plan
from lab.text import format_duration


def test_render_plan_lists_parameters_placement_trials_and_estimate() -> None:
    config = build_config("default", {"connections": (100,), "threads": 8})
    placement = place(config.cpus, 2)
    plan = make_plan(config, (104,))
    note = "--connections 100 rounded to 104 (a multiple of 8 wrk threads)"
    text = render_plan(config, placement, plan, [note, *placement.notes])
    lines = text.splitlines()

    assert "flask, aio" in text
    assert "hello, hit" in text
    assert any(line.split()[:3] == ["app", "cpuset", "1"] for line in lines)
    assert any(line.split()[:3] == ["wrk", "cpuset", "0"] for line in lines)
    assert any(line.split()[:3] == ["redis", "cpuset", "0"] for line in lines)
    assert text.count(placement.notes[0]) == 1  # given twice, printed once
    assert note in text
    assert any(line.split() == ["wrk", "threads", "8"] for line in lines)
    for trial in plan:
        expected = [
            str(trial.index),
            trial.app,
            trial.scenario,
            "104",
            "connections",
            "repetition",
            str(trial.repetition),
        ]
        assert expected in [line.split() for line in lines]
    estimate = format_duration(estimate_seconds(plan, config))
    assert f"estimated wall time: {estimate}" in text
    assert "estimated wall time: 4 min 26 s" in text


def test_render_plan_shows_a_quota() -> None:
    config = build_config("quick", {"cpus": CpuRequest(app=0.5)})
    placement = place(config.cpus, 4)
    text = render_plan(config, placement, make_plan(config, config.connections), [])
    app_line = next(line for line in text.splitlines() if line.split()[:1] == ["app"])
    assert "quota 0.5" in app_line
    assert "notes" not in text.split()
    assert "estimated wall time: 38 s" in text
