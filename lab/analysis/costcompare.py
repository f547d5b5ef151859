"""The cost of serving of two runs, cell by cell: did B's answers cost more CPU or memory?

The figures compared are the app's CPU milliseconds per ok response and the container's
peak memory (lab.analysis.cost). Each is judged as req/s is (lab.analysis.verdicts:
Welch's t on the log of each trial's value, Holm over every figure judged here), where
both runs have at least MIN_TRIALS trials that measured it; otherwise its change is
shown, marked "not judged", with the reason. Cost never changes compare's verdict or exit
code: a run's headline stays its req/s.
"""

from __future__ import annotations

from collections.abc import Iterable

from lab.analysis.stats import median
from lab.analysis.summary import stated
from lab.analysis.verdicts import ALPHA, judge_cells
from lab.model.cell import Cell
from lab.results.costchangedoc import CostChange, CostVerdict
from lab.results.summarydoc import Summary, SummaryCell

# The figures compare shows, in its order: what an answer costs, then what the app holds.
COMPARED = ("cpu_ms_per_request", "memory_peak_mib")
MIN_TRIALS = 3
# A verdict on req/s says improved or regressed; on a cost, which way it moved.
DIRECTION: dict[str, CostVerdict] = {
    "improved": "higher",
    "regressed": "lower",
    "no difference": "no difference",
}


def recorded(summary: Summary) -> bool:
    """Does any cell of the run have its cost (a run from before the lab measured it not)?"""
    return any(cell.cost is not None for cell in summary.cells)


def compare_costs(
    a: Summary, b: Summary, keys: Iterable[Cell], threshold_pct: float
) -> tuple[CostChange, ...]:
    """Each common cell's COMPARED figures, A against B; () when neither run has a cost."""
    if not recorded(a) and not recorded(b):
        return ()
    samples: dict[tuple[Cell, str], tuple[list[float], list[float]]] = {}
    reasons: dict[tuple[Cell, str], str | None] = {}
    for key in keys:
        cell_a, cell_b = a.cell(key), b.cell(key)
        for figure in COMPARED:
            values = (_values(cell_a, figure), _values(cell_b, figure))
            samples[(key, figure)] = values
            reasons[(key, figure)] = _why_not(a, b, values, cell_a, cell_b, figure)
    judged = judge_cells(
        {k: pair for k, pair in samples.items() if reasons[k] is None}, ALPHA, threshold_pct
    )
    changes = []
    for (key, figure), (values_a, values_b) in samples.items():
        verdict = judged.get((key, figure))
        median_a = median(values_a) if values_a else None
        median_b = median(values_b) if values_b else None
        ratio = median_b / median_a if median_a and median_b is not None else None
        change = CostChange(
            app=key.app,
            scenario=key.scenario,
            connections=key.connections,
            figure=figure,
            median_a=median_a,
            median_b=median_b,
            ratio=ratio if verdict is None else verdict.ratio,
            verdict="not judged" if verdict is None else DIRECTION[verdict.verdict],
            ci=None if verdict is None else stated(verdict.interval),
            p_adjusted=None if verdict is None else verdict.p_adjusted,
            reason=reasons[(key, figure)],
        )
        changes.append(change)
    return tuple(changes)


def _values(cell: SummaryCell | None, figure: str) -> list[float]:
    found = None if cell is None or cell.cost is None else cell.cost.figure(figure)
    return [] if found is None else [float(value) for value in found.trials]


def _why_not(
    a: Summary,
    b: Summary,
    values: tuple[list[float], list[float]],
    cell_a: SummaryCell | None,
    cell_b: SummaryCell | None,
    figure: str,
) -> str | None:
    """Why a figure cannot be judged; None when it can."""
    sides = (("A", a, cell_a, values[0]), ("B", b, cell_b, values[1]))
    for side, summary, cell, found in sides:
        if not recorded(summary):
            return f"no cost recorded in {side} (a run from before the lab measured it)"
        unavailable = None if cell is None or cell.cost is None else cell.cost.memory_unavailable
        if not found and unavailable and figure.startswith("memory"):
            return f"not measured in {side}: {unavailable}"
    short = [
        f"{len(v)} in {side}"
        for side, v in (("A", values[0]), ("B", values[1]))
        if len(v) < MIN_TRIALS
    ]
    if short:
        return (
            f"trials that measured it: {' and '.join(short)}, too few for the test"
            f" (it needs {MIN_TRIALS} a side)"
        )
    if any(value <= 0 for side in values for value in side):
        return "a trial at 0, which has no logarithm for the test"
    return None
