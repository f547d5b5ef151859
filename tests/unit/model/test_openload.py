"""Open mode's flags, stall schedule and sweeps."""

from __future__ import annotations

import pytest

from lab.cli.plantext import render_blueprint
from lab.errors import UsageError
from lab.model.config import build_config, config_from_dict
from lab.model.openload import RateSpec, StallSpec, make_sweeps, parse_rates, parse_stall
from lab.model.plan import blueprint
from tests.unit.fixtures import usage_error


def test_rates_are_percentages_or_requests_per_second() -> None:
    assert parse_rates("10%, 2000") == (RateSpec(10.0, True), RateSpec(2000.0, False))
    assert RateSpec(50.0, True).resolve(4_000.0) == 2_000.0
    assert RateSpec(50.0, True).resolve(None) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("10%,,20%", "has an empty item"),
        ("fast", "'fast' is not a rate"),
        ("0%", "0% is not above 0"),
        ("10%,10%", "10% is given twice"),
    ],
)
def test_a_bad_rate_names_itself(text: str, message: str) -> None:
    with pytest.raises(UsageError) as excinfo:
        parse_rates(text)
    usage_error(excinfo, message)


def test_a_stall_is_a_pause_in_the_middle_of_each_period() -> None:
    spec = parse_stall("500ms/5s")
    assert spec == StallSpec(0.5, 5.0) and spec.label == "500ms/5s"
    assert spec.offsets(7.5) == (2.25,)
    assert spec.offsets(8.0) == (2.25, 7.25)  # the second ends at 7.75 s, inside the window


@pytest.mark.parametrize("text", ["500/5s", "5s/1s", "1ms/5s"])
def test_a_bad_stall_is_refused(text: str) -> None:
    with pytest.raises(UsageError) as excinfo:
        parse_stall(text)
    usage_error(excinfo, "--inject-stall")


def test_open_mode_flags_need_open_mode() -> None:
    with pytest.raises(UsageError) as excinfo:
        build_config("quick", {"rates": "10%"})
    usage_error(excinfo, "--rates applies to open-loop runs")
    with pytest.raises(UsageError) as excinfo:
        build_config("quick", {"mode": "half"})
    usage_error(excinfo, "--mode: unknown mode 'half'")


def test_an_open_config_survives_its_run_json() -> None:
    config = build_config(
        "quick", {"mode": "open", "rates": "10%,500", "slo_ms": "50", "inject_stall": "1s/4s"}
    )
    assert config_from_dict(config.to_dict()) == config
    closed = build_config("quick", {})
    assert config_from_dict(closed.to_dict()) == closed


def test_sweeps_visit_every_cell_each_round_and_do_not_repeat_the_app_at_the_seam() -> None:
    sweeps = make_sweeps(("flask", "aio"), ("hello", "hit"), 3, seed=1)
    assert [s.index for s in sweeps] == list(range(1, 13))
    for round_ in (1, 2, 3):
        cells = {(s.app, s.scenario) for s in sweeps if s.repetition == round_}
        assert len(cells) == 4
    for before, after in zip(sweeps[3::4], sweeps[4::4], strict=False):
        assert before.app != after.app
    assert sweeps == make_sweeps(("flask", "aio"), ("hello", "hit"), 3, seed=1)


def test_the_plan_shows_the_open_part_and_its_time() -> None:
    plan = blueprint(build_config("quick", {"mode": "open"}), host_cpus=2)
    text = render_blueprint(plan)
    assert "open loop (after the closed-loop trials)" in text
    assert "25%, 50%, 75%, 100%" in text
    assert len(plan.sweeps) == 4
    closed = blueprint(build_config("quick", {}), host_cpus=2)
    assert plan.estimate_s > closed.estimate_s + 60
