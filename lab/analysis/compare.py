"""Two runs compared cell by cell: did B's throughput change from A's, beyond the noise?

Each common cell (app x scenario x connections) is judged by lab.analysis.cellcompare,
with Holm's adjustment over all of them: identical runs are called different at most
5% of the time (assuming independent trials).
Differences in how the runs were made (images, CPUs, placement, engine, parameters; the
facts of lab.analysis.comparable, which `lab history` shares) are listed, since they
often explain a change better than the code does; so is each run's
calibration, for ratios normalised by how fast each machine ran a fixed workload. The
comparison as text is lab.analysis.comparetext's; as JSON, `comparison_document`'s.

Two runs are two times: the host's drift between them is not blocked as a run blocks
it between its apps. Where the runs' own evidence shows the host moving (each run's
drift round by round, an A/A pair's interval, calibrations that differ), the comparison
says so (`host_moved`) and points to measuring both versions in one run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lab.analysis.cellcompare import compare_cells
from lab.analysis.comparable import differences, run_facts
from lab.analysis.costcompare import compare_costs, recorded
from lab.analysis.verdicts import ALPHA
from lab.errors import EXIT_OK, EXIT_TRIAL_FAILED, EXIT_USAGE
from lab.model.cell import Cell
from lab.results.comparisondoc import (
    CalibrationNote,
    CellComparison,
    ComparisonDocument,
    Difference,
    NormalisedRatio,
    cell_name,
)
from lab.results.costchangedoc import CostChange
from lab.results.reader import RunData, as_object
from lab.results.summarydoc import Summary
from lab.text import TIMES

EXIT_REGRESSED = EXIT_TRIAL_FAILED
EXIT_NOT_COMPARABLE = EXIT_USAGE


@dataclass(frozen=True, slots=True)
class Calibration:
    """Both runs' calibration scores: how fast B's app CPUs ran the fixed workload vs A's."""

    score_a: float
    score_b: float
    same_cpu_model: bool
    # max/min - 1 of each run's samples: how steady the machine was while calibrating.
    spread_a: float = 0.0
    spread_b: float = 0.0

    @property
    def factor(self) -> float:
        return self.score_b / self.score_a

    def advice(self) -> str:
        noisy = max(self.spread_a, self.spread_b)
        if noisy > NOISY_CALIBRATION:
            return (
                f"the calibration itself is noisy (its samples vary by up to {noisy:.0%} within"
                " a run: the host's CPU speed changes from second to second), so the normalised"
                " ratios are no better than the raw ones; compare runs made on a quiet host"
            )
        if not self.same_cpu_model:
            return (
                "the CPU models differ: trust the normalised ratios for how the apps compare,"
                " the raw ones for what each machine delivers"
            )
        gap = abs(self.factor - 1)
        if gap <= 0.05:
            return "same CPU model and a calibration within 5%: trust the raw ratios"
        if gap <= noisy:
            # A gap no wider than one run's own samples spread is not a machine difference.
            return (
                f"same CPU model; the calibrations differ by {gap:.0%}, no more than a run's"
                f" own samples vary ({noisy:.0%}): trust the raw ratios"
            )
        return (
            f"same CPU model, but B's app CPUs ran the workload {self.factor:.2f}{TIMES}"
            " as fast (frequency, load, noisy neighbours): prefer the normalised ratios"
        )


NOISY_CALIBRATION = 0.10


def calibration_of(run: RunData) -> float | None:
    score = as_object(run.run.calibration).get("score")
    return float(score) if isinstance(score, int | float) and score > 0 else None


def calibration_spread(run: RunData) -> float:
    samples = as_object(run.run.calibration).get("samples")
    values = [float(v) for v in samples or [] if isinstance(v, int | float) and v > 0]
    return max(values) / min(values) - 1 if values else 0.0


@dataclass(frozen=True, slots=True)
class Comparison:
    run_a: str
    run_b: str
    threshold_pct: float
    cells: tuple[CellComparison, ...]
    only_in_a: tuple[str, ...]
    only_in_b: tuple[str, ...]
    differences: tuple[Difference, ...]
    # Why the runs cannot be judged; None when they can.
    problem: str | None
    calibration: Calibration | None = None
    # The runs' own evidence that the host moved, and what to do; empty when none.
    host_moved: tuple[str, ...] = ()
    # The cost of serving of the common cells (lab.analysis.costcompare); () when neither
    # run recorded it, and `cost_missing` then says which did not.
    cost: tuple[CostChange, ...] = ()
    cost_missing: tuple[str, ...] = ()

    @property
    def verdict(self) -> str:
        if self.problem is not None:
            return "not comparable"
        for outcome in ("regressed", "improved"):
            if any(cell.verdict == outcome for cell in self.cells):
                return outcome
        return "no difference"

    @property
    def exit_code(self) -> int:
        if self.problem is not None:
            return EXIT_NOT_COMPARABLE
        if self.verdict == "regressed":
            return EXIT_REGRESSED
        return EXIT_OK


def compare_runs(a: RunData, b: RunData, threshold_pct: float = 5.0) -> Comparison:
    """Compare B against A, every cell the two runs share."""
    cells_a, cells_b = _rps_by_cell(a.summary), _rps_by_cell(b.summary)
    common = [key for key in cells_a if key in cells_b]
    compared = tuple(
        compare_cells({key: (cells_a[key], cells_b[key]) for key in common}, threshold_pct)
    )
    problem = None
    if not common:
        problem = (
            f"no common cell: A has {_names(cells_a) or 'none'}, B has {_names(cells_b) or 'none'}"
        )
    elif any(cell.reason for cell in compared):
        problem = "; ".join(f"{cell.name}: {cell.reason}" for cell in compared if cell.reason)
    calibration = _calibration(a, b)
    return Comparison(
        run_a=a.run_id,
        run_b=b.run_id,
        threshold_pct=threshold_pct,
        cells=compared,
        only_in_a=tuple(cell_name(key) for key in cells_a if key not in cells_b),
        only_in_b=tuple(cell_name(key) for key in cells_b if key not in cells_a),
        differences=tuple(provenance_differences(a, b)),
        problem=problem,
        calibration=calibration,
        host_moved=host_moved(a, b, calibration),
        cost=compare_costs(a.summary, b.summary, common, threshold_pct),
        cost_missing=tuple(side for side, run in (("A", a), ("B", b)) if not recorded(run.summary)),
    )


# A run whose fastest round was more than this above its slowest drifted visibly.
MOVED = 0.10


def host_moved(a: RunData, b: RunData, calibration: Calibration | None) -> tuple[str, ...]:
    """The runs' own evidence that the host moved, and what that means for this
    comparison; empty when neither run shows it."""
    evidence = []
    for name, run in (("A", a), ("B", b)):
        drift = run.summary.drift
        if drift is not None and drift.spread > MOVED:
            evidence.append(
                f"within run {name} the host's speed moved {drift.spread:.0%} from its slowest"
                " round to its fastest"
            )
        if run.parameters.get("aa"):
            widths = [r.half_width_pct for r in run.summary.ratios if r.half_width_pct]
            if widths:
                evidence.append(
                    f"run {name}'s A/A pair tells identical variants apart only to"
                    f" ±{max(widths):.0f}% (the widest of its b/a intervals)"
                )
    if calibration is not None and abs(calibration.factor - 1) > 0.05:
        evidence.append(f"B's calibration ran {calibration.factor:.2f}{TIMES} as fast as A's")
    if not evidence:
        return ()
    return (
        *evidence,
        "the runs were measured at different times, so the host's drift between them is not"
        " blocked as a run blocks it between its apps: a change of that size may be the"
        " host's. Measure both versions in one run (`python -m lab run --apps OLD,NEW`),"
        " where every round pairs them.",
    )


def _calibration(a: RunData, b: RunData) -> Calibration | None:
    score_a, score_b = calibration_of(a), calibration_of(b)
    if score_a is None or score_b is None:
        return None
    model = [as_object(run.provenance.get("host")).get("cpu_model") for run in (a, b)]
    return Calibration(
        score_a, score_b, model[0] == model[1], calibration_spread(a), calibration_spread(b)
    )


def provenance_differences(a: RunData, b: RunData) -> list[Difference]:
    """What was set up differently between the runs, in a fixed order."""
    return differences(run_facts(a), run_facts(b))


def normalised(
    cells: Sequence[CellComparison], cal: Calibration
) -> list[tuple[CellComparison, float, tuple[float, float]]]:
    """Each cell with a ratio and CI, beside both divided by B's calibration factor over A's."""
    return [
        (cell, cell.ratio / cal.factor, (cell.ci.low / cal.factor, cell.ci.high / cal.factor))
        for cell in cells
        if cell.ratio is not None and cell.ci is not None
    ]


def comparison_document(comparison: Comparison) -> ComparisonDocument:
    """What `lab compare --json` prints: the comparison with its verdict and exit code."""
    c, cal = comparison, comparison.calibration
    return ComparisonDocument(
        run_a=c.run_a,
        run_b=c.run_b,
        threshold_pct=c.threshold_pct,
        verdict=c.verdict,
        exit_code=c.exit_code,
        reason=c.problem,
        cells=c.cells,
        only_in_a=c.only_in_a,
        only_in_b=c.only_in_b,
        provenance_differences=c.differences,
        host_moved=c.host_moved or None,
        cost=c.cost or None,
        calibration=None
        if cal is None
        else CalibrationNote(
            score_a=cal.score_a,
            score_b=cal.score_b,
            factor=cal.factor,
            advice=cal.advice(),
            normalised=tuple(
                NormalisedRatio(cell.name, ratio, ci)
                for cell, ratio, ci in normalised(c.cells, cal)
            ),
        ),
        alpha=ALPHA,
    )


def comparison_json(comparison: Comparison) -> dict[str, Any]:
    return comparison_document(comparison).to_dict()


def _rps_by_cell(summary: Summary) -> dict[Cell, list[float]]:
    return {cell.key: [float(v) for v in cell.rps] for cell in summary.cells}


def _names(cells: Mapping[Cell, Any]) -> str:
    return ", ".join(cell_name(key) for key in cells)
