"""Holm's step-down by hand, and cell verdicts that need both Holm and the threshold."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lab.analysis.intervals import WELCH_LOG
from lab.analysis.verdicts import holm, holm_arrays, judge_cells

A = [100.0, 101.0, 99.0]


def test_holm_by_hand() -> None:
    # Sorted: 0.005 * 4 = 0.02, 0.01 * 3 = 0.03, 0.03 * 2 = 0.06, 0.04 * 1 = 0.04 -> 0.06
    # (never below the step before it).
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.9]) == [1.0, 1.0]
    assert holm([]) == []


@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=8))
def test_holm_never_lowers_a_p_value_and_keeps_the_order(p: list[float]) -> None:
    adjusted = holm(p)
    assert all(q >= value for q, value in zip(adjusted, p, strict=True))
    assert all(q <= 1 for q in adjusted)
    pairs = sorted(zip(p, adjusted, strict=True))
    assert all(x[1] <= y[1] for x, y in pairwise(pairs))


def test_holm_arrays_adjusts_each_row_on_its_own() -> None:
    rows = np.array([[0.01, 0.04, 0.03, 0.005], [0.5, 0.9, 0.01, 0.2]])
    adjusted = holm_arrays(rows)
    assert adjusted[0] == pytest.approx(holm(list(rows[0])))
    assert adjusted[1] == pytest.approx(holm(list(rows[1])))


def test_holm_refuses_what_is_not_a_p_value() -> None:
    with pytest.raises(ValueError, match=r"p-values must lie in \[0, 1\]"):
        holm([0.5, 1.5])


def test_a_clear_drop_is_regressed_and_an_unchanged_cell_is_not() -> None:
    judged = judge_cells({"drop": (A, [90.0, 91.0, 89.0]), "same": (A, [100.0, 102.0, 98.0])})
    drop, same = judged["drop"], judged["same"]
    assert drop.verdict == "regressed"
    assert drop.change_pct == pytest.approx(-10, abs=0.1)
    assert drop.p_adjusted == pytest.approx(2 * drop.p_value)  # smallest of 2: times 2
    assert drop.test == WELCH_LOG
    assert drop.interval.high < 1
    assert drop.interval.level == 0.95
    assert same.verdict == "no difference"
    assert not same.significant


def test_a_significant_change_within_the_threshold_is_no_difference() -> None:
    small = (A, [103.0, 103.5, 102.5])  # +3.0%, p about 0.02
    judged = judge_cells({"small": small})["small"]
    assert judged.significant
    assert judged.verdict == "no difference"
    assert judge_cells({"small": small}, threshold_pct=1.0)["small"].verdict == "improved"


def test_holm_withholds_a_verdict_that_one_test_alone_would_give() -> None:
    # -9%, p about 0.03 on its own: significant alone, not among four cells.
    borderline = (A, [91.0, 94.0, 88.0])
    alone = judge_cells({"x": borderline})["x"]
    assert 0.0125 < alone.p_value < 0.05
    assert alone.verdict == "regressed"
    family = judge_cells({"x": borderline, **{f"y{i}": (A, A) for i in range(3)}})
    assert family["x"].p_adjusted > 0.05
    assert family["x"].verdict == "no difference"


def test_judge_cells_names_its_bad_arguments() -> None:
    with pytest.raises(ValueError, match="alpha must be between 0 and 1"):
        judge_cells({"x": (A, A)}, alpha=0)
    with pytest.raises(ValueError, match="practical threshold must be >= 0%"):
        judge_cells({"x": (A, A)}, threshold_pct=-1)
    with pytest.raises(ValueError, match="numerators: need at least 2 trials"):
        judge_cells({"x": (A, [1.0])})
