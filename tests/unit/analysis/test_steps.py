from __future__ import annotations

import math

import numpy as np
import pytest

from lab.analysis.steps import PENALTY_PER_LOG_RUN, find_steps, step_penalty

# Six runs 2% apart around a level, then six 15% lower: a step no noise explains.
BEFORE = [0.00, 0.02, -0.01, 0.015, -0.02, 0.005]
AFTER = [v + math.log(0.85) for v in (0.01, -0.015, 0.02, 0.0, -0.01, 0.012)]


def test_a_clear_step_is_found_between_the_right_runs() -> None:
    found = find_steps(BEFORE + AFTER, [0.01] * 12)
    assert found.steps == (6,)
    assert math.exp(found.levels[1] - found.levels[0]) - 1 == pytest.approx(-0.15, abs=0.01)
    assert found.piece(5) == 0 and found.piece(6) == 1


def test_a_steady_series_has_no_step() -> None:
    found = find_steps(BEFORE * 2, [0.01] * 12)
    assert found.steps == ()
    assert found.levels == (pytest.approx(np.mean(BEFORE * 2), abs=1e-3),)


def test_a_step_needs_two_runs_on_each_side() -> None:
    # The last run alone 30% down: one run against the others is compare's question.
    assert find_steps([*BEFORE, math.log(0.7)], [0.01] * 7).steps == ()
    assert find_steps([0.0, 0.0, math.log(0.7)], [0.0] * 3).steps == ()


def test_the_step_is_as_big_as_the_spread_between_runs_allows() -> None:
    # The same 15% step among runs that differ by 20% from one another is not a step.
    rng = np.random.default_rng(4)
    noisy = rng.normal(0.0, 0.2, 12) + np.r_[np.zeros(6), np.full(6, math.log(0.85))]
    found = find_steps(noisy, [0.01] * 12)
    assert found.steps == ()
    assert found.between_sd > 0.1


def test_a_run_whose_own_interval_is_wide_counts_for_less() -> None:
    # Two runs far down: with narrow intervals a step, with their intervals that wide, not.
    values = [0.0, 0.01, -0.01, 0.005, math.log(0.8), math.log(0.82)]
    narrow = find_steps(values, [0.01] * 6)
    wide = find_steps(values, [0.01] * 4 + [0.25, 0.25])
    assert narrow.steps == (4,)
    assert wide.steps == ()


def test_two_steps_are_both_found() -> None:
    up = [v + math.log(1.2) for v in BEFORE]
    found = find_steps(BEFORE + AFTER + up, [0.01] * 18)
    assert found.steps == (6, 12)


def test_the_result_does_not_depend_on_the_units() -> None:
    shifted = [v + 9.3 for v in BEFORE + AFTER]
    assert find_steps(shifted, [0.01] * 12).steps == (6,)


def test_the_penalty_grows_with_the_log_of_the_runs() -> None:
    assert step_penalty(12) == pytest.approx(PENALTY_PER_LOG_RUN * math.log(12))
    assert find_steps(BEFORE, [0.0] * 6).penalty == step_penalty(6)


@pytest.mark.parametrize("length", [0, 1])
def test_a_series_too_short_for_a_piece_is_its_mean(length: int) -> None:
    found = find_steps(BEFORE[:length], [0.01] * length)
    assert found.steps == ()
    assert found.levels == tuple(BEFORE[:length])


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="3 values but 2"):
        find_steps([1.0, 2.0, 3.0], [0.1, 0.1])
    with pytest.raises(ValueError, match="finite"):
        find_steps([1.0, math.inf], [0.1, 0.1])
    with pytest.raises(ValueError, match="not negative"):
        find_steps([1.0, 2.0], [0.1, -0.1])
