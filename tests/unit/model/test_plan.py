from __future__ import annotations

import json
from collections import Counter

import pytest

from lab.cli.plantext import render_blueprint
from lab.model.cell import Cell
from lab.model.config import RunConfig, build_config
from lab.model.plan import (
    RUN_OVERHEAD_S,
    TRIAL_OVERHEAD_S,
    Trial,
    blueprint,
    estimate_seconds,
    make_plan,
)
from lab.text import format_duration


def plan_for(config: RunConfig) -> tuple[Trial, ...]:
    return make_plan(config, config.connections)


def order(plan: tuple[Trial, ...]) -> list[Cell]:
    return [trial.cell for trial in plan]


def test_plan_covers_every_cell_once_per_repetition() -> None:
    config = build_config(
        "default",
        {"apps": ("flask", "aio", "aio-uvloop"), "connections": (64, 200), "repetitions": 3},
    )
    plan = plan_for(config)
    assert len(plan) == 3 * 2 * 2 * 3
    counts = Counter(order(plan))
    assert len(counts) == 12
    assert set(counts.values()) == {3}
    assert [trial.index for trial in plan] == list(range(1, len(plan) + 1))


def test_each_round_holds_one_repetition_of_every_cell() -> None:
    config = build_config("default", {})
    plan = plan_for(config)
    for repetition in range(1, config.repetitions + 1):
        round_ = plan[(repetition - 1) * 4 : repetition * 4]
        assert {trial.repetition for trial in round_} == {repetition}
        assert len({trial.cell for trial in round_}) == 4


def test_default_plan_has_32_trials() -> None:
    assert len(plan_for(build_config("default", {}))) == 32


def test_same_seed_same_order() -> None:
    config = build_config("default", {"seed": 7})
    assert plan_for(config) == plan_for(build_config("default", {"seed": 7}))


def test_different_seed_different_order() -> None:
    first = plan_for(build_config("default", {"seed": 1}))
    second = plan_for(build_config("default", {"seed": 2}))
    assert order(first) != order(second)
    assert Counter(order(first)) == Counter(order(second))


def test_plan_uses_the_rounded_levels_given() -> None:
    config = build_config("default", {"connections": (100,)})
    plan = make_plan(config, (104,))
    assert {trial.connections for trial in plan} == {104}


def app_runs_are_split(plan: tuple[Trial, ...]) -> bool:
    """True when no app's trials form one unbroken block."""
    for app in {trial.app for trial in plan}:
        positions = [i for i, trial in enumerate(plan) if trial.app == app]
        if positions[-1] - positions[0] + 1 == len(positions):
            return False
    return True


@pytest.mark.parametrize("order_name", ["blocked", "shuffled"])
@pytest.mark.parametrize("repetitions", [3, 5])
@pytest.mark.parametrize("scenarios", [("hello",), ("hello", "hit")])
def test_no_app_runs_all_its_repetitions_in_a_row(
    repetitions: int, scenarios: tuple[str, ...], order_name: str
) -> None:
    for seed in range(200):
        config = build_config(
            "default",
            {"seed": seed, "repetitions": repetitions, "scenarios": scenarios, "order": order_name},
        )
        plan = plan_for(config)
        assert app_runs_are_split(plan), (seed, order(plan))


def test_a_shuffled_round_never_starts_with_the_app_the_last_one_ended_with() -> None:
    for seed in range(200):
        config = build_config("default", {"seed": seed, "order": "shuffled"})
        plan = plan_for(config)
        for end in range(4, len(plan), 4):
            assert plan[end - 1].app != plan[end].app, seed


def test_one_app_shuffled_still_avoids_repeating_a_cell_across_rounds() -> None:
    for seed in range(200):
        config = build_config("default", {"seed": seed, "apps": ("flask",), "order": "shuffled"})
        plan = plan_for(config)
        for end in range(2, len(plan), 2):
            assert plan[end - 1].cell != plan[end].cell, seed


def test_the_default_order_is_blocked_and_mirrors_every_second_round() -> None:
    config = build_config("default", {})
    assert config.order == "blocked"
    plan = plan_for(config)
    first, second = order(plan)[:4], order(plan)[4:8]
    assert second == first[::-1]
    # Each scenario's two apps run back to back.
    assert first[0].scenario == first[1].scenario and first[2].scenario == first[3].scenario


def test_a_single_cell_plan_is_just_its_repetitions() -> None:
    config = build_config("default", {"apps": ("aio",), "scenarios": ("hit",), "repetitions": 3})
    plan = plan_for(config)
    assert [(trial.app, trial.repetition) for trial in plan] == [("aio", 1), ("aio", 2), ("aio", 3)]


def test_trial_to_dict_is_json() -> None:
    trial = Trial(index=3, app="aio", scenario="hit", connections=200, repetition=2)
    data = trial.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data == {
        "index": 3,
        "app": "aio",
        "scenario": "hit",
        "connections": 200,
        "repetition": 2,
    }
    assert trial.cell == Cell("aio", "hit", 200)


def test_estimate_adds_warmup_duration_and_overheads() -> None:
    config = build_config("default", {"duration_s": 3.0, "warmup_s": 1.0, "repetitions": 2})
    plan = plan_for(config)
    # 8 trials and one ceiling trial at the one connection level.
    assert estimate_seconds(plan, config, 2.0, 5.0) == 5.0 + 9 * (3.0 + 1.0 + 2.0)
    assert estimate_seconds(plan, config) == RUN_OVERHEAD_S + 9 * (4.0 + TRIAL_OVERHEAD_S)
    no_ceiling = build_config(
        "default", {"duration_s": 3.0, "warmup_s": 2.0, "repetitions": 2, "ceiling": False}
    )
    assert estimate_seconds(plan_for(no_ceiling), no_ceiling, 2.0, 5.0) == 5.0 + 8 * 7.0


def test_overhead_constants_are_realistic() -> None:
    assert 1.0 <= TRIAL_OVERHEAD_S <= 8.0
    assert 5.0 <= RUN_OVERHEAD_S <= 20.0


def test_default_preset_fits_in_six_minutes() -> None:
    config = build_config("default", {})
    assert estimate_seconds(plan_for(config), config) <= 6 * 60


def test_quick_preset_fits_in_a_minute() -> None:
    config = build_config("quick", {})
    assert estimate_seconds(plan_for(config), config) < 60


def test_format_duration() -> None:
    assert format_duration(330) == "5 min 30 s"
    assert format_duration(44.4) == "44 s"
    assert format_duration(59.6) == "1 min 0 s"


def test_an_aa_run_has_enough_repetitions_to_tell_a_difference() -> None:
    plan = blueprint(build_config("quick", {"aa": "aio"}), host_cpus=2)
    assert plan.config.repetitions == 4
    assert plan.config.apps == ("aio:a", "aio:b")
    assert len(plan.trials) == 2 * 2 * 4
    assert plan.notes[0].startswith("--aa: repetitions raised from 1 to 4, two mirrored pairs")
    # Each variant at the same mean position in every level: a drift lands on both alike.
    for scenario in ("hello", "hit"):
        positions = {
            app: sum(t.index for t in plan.trials if (t.app, t.scenario) == (app, scenario))
            for app in plan.config.apps
        }
        assert len(set(positions.values())) == 1, positions


def test_target_ci_raises_the_pilot_and_plans_the_rounds_it_may_add() -> None:
    config = build_config("quick", {"target_ci_pct": "10", "max_repetitions": "6"})
    plan = blueprint(config, host_cpus=2)
    assert plan.config.repetitions == 3
    assert any("repetitions raised from 1 to 3" in note for note in plan.notes)
    assert [t.repetition for t in plan.extra_trials] == [4] * 4 + [5] * 4 + [6] * 4
    assert [t.index for t in plan.extra_trials] == list(range(13, 25))
    # Added rounds continue the seeded order: the same as a plan of 6 rounds.
    longer = blueprint(build_config("quick", {"repetitions": "6"}), host_cpus=2)
    assert (*plan.trials, *plan.extra_trials) == longer.trials
    text = render_blueprint(plan)
    assert "every app ratio's 95% CI within ±10%" in text
    assert "at most 6 rounds" in text
    assert "with --target-ci: up to" in text


def test_run_json_records_each_apps_deployment() -> None:
    plan = blueprint(build_config("default", {"apps": ("flask", "django-wsgi")}), host_cpus=2)
    apps = plan.effective()["apps"]
    assert isinstance(apps, dict)
    dot = " \N{MIDDLE DOT} "
    assert apps["flask"]["deployment"] == f"Flask{dot}WSGI{dot}gunicorn gevent"
    assert apps["django-wsgi"]["deployment"].startswith(f"Django{dot}WSGI")
