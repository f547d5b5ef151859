"""The plan as `python -m lab plan` prints it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lab.cli.plantext import render_blueprint, render_plan
from lab.model.config import build_config
from lab.model.cpurequest import CpuRequest
from lab.model.placement import place
from lab.model.plan import blueprint, estimate_seconds, make_plan
from lab.paths import ROOT
from lab.text import format_duration
from tests.unit.derived import derived_aio, version_of


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


def test_the_plan_says_where_each_version_comes_from_and_what_it_locked(tmp_path: Path) -> None:
    folder = derived_aio(tmp_path)
    overrides = {"apps": "aio,aio@aiohttp==3.9.5", "versions": (version_of(folder),)}
    plan = blueprint(build_config("quick", overrides), host_cpus=2)
    lines = render_blueprint(plan).splitlines()
    at = lines.index("versions (folders derived under .lab/versions/)")
    assert lines[at + 1].split() == [
        "aio@aiohttp==3.9.5",
        str(ROOT / "apps/aio"),
        "with",
        "aiohttp==3.9.5;",
        "locked",
        "aiohttp==3.9.5",
    ]
    assert lines[at + 2] == ""
    assert "versions" not in render_blueprint(blueprint(build_config("quick", {}), host_cpus=2))
    # run.json's effective apps record where it came from and the lock it started from.
    apps: Any = plan.effective()["apps"]
    assert apps["aio@aiohttp==3.9.5"]["version"]["source"] == str(ROOT / "apps/aio")
    assert apps["aio@aiohttp==3.9.5"]["version"]["base_lock_sha256"] == "1" * 64
    assert "version" not in apps["aio"]
