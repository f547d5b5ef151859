"""The trial order within rounds: blocked (levels adjacent, mirrored pairs) and shuffled."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab.model.cell import Cell
from lab.model.config import config_from_dict
from lab.model.order import BLOCKED, SHUFFLED, rounds_of
from lab.model.plan import blueprint

CELLS = [
    Cell(app, scenario, connections)
    for app in ("flask", "aio", "falcon")
    for scenario in ("hello", "hit")
    for connections in (64, 200)
]
FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "runs" / "default-2cores"


@pytest.mark.parametrize("order", [BLOCKED, SHUFFLED])
def test_every_round_holds_every_cell_once(order: str) -> None:
    for seed in range(50):
        for round_ in rounds_of(CELLS, 6, seed, order):
            assert sorted(round_) == sorted(CELLS)


def test_a_blocked_round_runs_each_level_as_one_block() -> None:
    for seed in range(200):
        for round_ in rounds_of(CELLS, 4, seed, BLOCKED):
            levels = [cell.level for cell in round_]
            # A level never comes back once the round has left it.
            seen = list(dict.fromkeys(levels))
            assert levels == [level for level in seen for _ in range(3)], seed


def test_every_second_blocked_round_mirrors_the_one_before() -> None:
    for seed in range(100):
        made = rounds_of(CELLS, 6, seed, BLOCKED)
        for odd, even in zip(made[::2], made[1::2], strict=True):
            assert even == odd[::-1]


def test_over_a_mirrored_pair_every_cell_sits_at_the_same_mean_position() -> None:
    # So a drift linear over the pair lands on every app alike.
    for seed in range(100):
        first, second = rounds_of(CELLS, 2, seed, BLOCKED)
        positions = {cell: first.index(cell) + len(CELLS) + second.index(cell) for cell in CELLS}
        assert len(set(positions.values())) == 1


def test_a_new_pair_of_rounds_starts_with_another_app_when_it_can() -> None:
    two = [Cell(app, "hello", 200) for app in ("flask", "aio")]
    for seed in range(200):
        made = rounds_of(two, 6, seed, BLOCKED)
        for previous, following in zip(made[1::2], made[2::2], strict=False):
            assert following[0].app != previous[-1].app, seed


def test_two_apps_in_one_level_run_abba() -> None:
    two = [Cell(app, "hello", 200) for app in ("flask", "aio")]
    first, second = rounds_of(two, 2, 1, BLOCKED)
    assert [cell.app for cell in first + second] in (
        ["flask", "aio", "aio", "flask"],
        ["aio", "flask", "flask", "aio"],
    )


@pytest.mark.parametrize("order", [BLOCKED, SHUFFLED])
def test_the_seed_decides_and_more_rounds_only_add(order: str) -> None:
    assert rounds_of(CELLS, 5, 7, order) == rounds_of(CELLS, 5, 7, order)
    assert rounds_of(CELLS, 5, 7, order) != rounds_of(CELLS, 5, 8, order)
    assert rounds_of(CELLS, 9, 7, order)[:5] == rounds_of(CELLS, 5, 7, order)


def test_an_unknown_order_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown trial order 'random'"):
        rounds_of(CELLS, 1, 1, "random")


def test_a_run_made_before_the_blocked_order_plans_again_as_it_ran() -> None:
    # Its run.json records no order: --resume must rebuild the very plan it recorded.
    run = json.loads((FIXTURE / "run.json").read_text())
    assert "order" not in run["parameters"]
    config = config_from_dict(run["parameters"])
    assert config.order == SHUFFLED
    planned = blueprint(config, host_cpus=2).trials
    assert [trial.to_dict() for trial in planned] == run["plan"]
