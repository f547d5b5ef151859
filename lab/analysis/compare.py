"""Two runs compared cell by cell: did B's throughput change from A's, beyond the noise?

A cell (app x scenario x connections) changed only when both hold: the bootstrap 95% CI
of the ratio of medians B/A excludes 1, and the change exceeds the threshold. The
Mann-Whitney U p-value is reported beside it as a second, rank-based opinion. Differences
in how the runs were made (images, CPUs, placement, engine, parameters) are listed, since
they often explain a change better than the code does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from scipy.stats import mannwhitneyu  # type: ignore[import-untyped]

from lab.analysis.checks.cells import cell_key
from lab.analysis.stats import median, ratio_ci
from lab.errors import EXIT_OK, EXIT_TRIAL_FAILED, EXIT_USAGE
from lab.model.cpurequest import CPU_ROLES
from lab.model.plan import Cell
from lab.results.reader import RunData, as_object
from lab.text import DASH, TIMES, format_rate, format_ratio

MIN_TRIALS = 3
CellVerdict = Literal["improved", "regressed", "no difference", "not comparable"]

EXIT_REGRESSED = EXIT_TRIAL_FAILED
EXIT_NOT_COMPARABLE = EXIT_USAGE


@dataclass(frozen=True, slots=True)
class CellComparison:
    app: str
    scenario: str
    connections: int
    trials_a: int
    trials_b: int
    median_a: float | None
    median_b: float | None
    ratio: float | None
    ci95: tuple[float, float] | None
    p_value: float | None
    verdict: CellVerdict
    reason: str | None = None

    @property
    def name(self) -> str:
        return _name(Cell(self.app, self.scenario, self.connections))

    @property
    def change_pct(self) -> float | None:
        return None if self.ratio is None else (self.ratio - 1) * 100


@dataclass(frozen=True, slots=True)
class Difference:
    """One way the two runs were made differently: `what`, and its value in A and in B."""

    what: str
    a: Any
    b: Any


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
    score = as_object(run.run.get("calibration")).get("score")
    return float(score) if isinstance(score, int | float) and score > 0 else None


def calibration_spread(run: RunData) -> float:
    samples = as_object(run.run.get("calibration")).get("samples")
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
    cells_a, cells_b = _cells(a.summary), _cells(b.summary)
    common = [key for key in cells_a if key in cells_b]
    compared = tuple(
        _compare_cell(key, cells_a[key], cells_b[key], threshold_pct) for key in common
    )
    problem = None
    if not common:
        problem = (
            f"no common cell: A has {_names(cells_a) or 'none'}, B has {_names(cells_b) or 'none'}"
        )
    elif any(cell.reason for cell in compared):
        problem = "; ".join(f"{cell.name}: {cell.reason}" for cell in compared if cell.reason)
    return Comparison(
        run_a=a.run_id,
        run_b=b.run_id,
        threshold_pct=threshold_pct,
        cells=compared,
        only_in_a=tuple(_name(key) for key in cells_a if key not in cells_b),
        only_in_b=tuple(_name(key) for key in cells_b if key not in cells_a),
        differences=tuple(provenance_differences(a, b)),
        problem=problem,
        calibration=_calibration(a, b),
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
    facts_a, facts_b = _facts(a), _facts(b)
    keys = list(dict.fromkeys([*facts_a, *facts_b]))
    return [
        Difference(key, facts_a.get(key), facts_b.get(key))
        for key in keys
        if facts_a.get(key) != facts_b.get(key)
    ]


def comparison_lines(comparison: Comparison) -> list[str]:
    """The comparison as aligned plain text, ending with the verdict and exit code."""
    c = comparison
    lines = [
        f"A: {c.run_a}",
        f"B: {c.run_b}",
        f"B/A: ratio of median req/s with its bootstrap 95% CI; p: Mann{DASH}Whitney U,"
        f" two-sided; a change counts when the CI excludes 1{TIMES} and it exceeds"
        f" {c.threshold_pct:g}%",
        "",
    ]
    header = ("cell", "A req/s", "B req/s", "B/A", "95% CI", "change", "p", "verdict")
    rows = [header] + [_row(cell) for cell in c.cells]
    widths = [max(len(row[n]) for row in rows) for n in range(len(header))]
    for row in rows:
        cells = [row[0].ljust(widths[0])]
        cells += [value.rjust(width) for value, width in zip(row[1:-1], widths[1:-1], strict=True)]
        lines.append(("  ".join([*cells, row[-1]])).rstrip())
    lines += _normalised_lines(c)
    if c.only_in_a:
        lines.append(f"only in A (not compared): {', '.join(c.only_in_a)}")
    if c.only_in_b:
        lines.append(f"only in B (not compared): {', '.join(c.only_in_b)}")
    if c.differences:
        lines += ["", "the runs were made differently, which may explain a change:"]
        lines += [f"  {d.what}: {_show(d.a)} -> {_show(d.b)}" for d in c.differences]
    else:
        lines += ["", "the runs were made the same way (images, CPUs, placement, engine, flags)"]
    lines += ["", _verdict_line(c)]
    return lines


def _normalised_lines(c: Comparison) -> list[str]:
    cal = c.calibration
    if cal is None:
        return ["", "no calibration in one of the runs: only raw ratios"]
    lines = [
        "",
        f"calibration (rounds/s of a fixed workload on the app's CPUs): A {cal.score_a:,.0f}"
        f" (samples within {cal.spread_a:.0%}), B {cal.score_b:,.0f} (within {cal.spread_b:.0%}),"
        f" B/A {cal.factor:.3f}{TIMES}",
        f"normalised B/A = raw B/A / {cal.factor:.3f} {DASH} {cal.advice()}",
    ]
    for cell, ratio, (low, high) in _normalised(c.cells, cal):
        lines.append(
            f"  {cell.name}: raw {cell.ratio:.3f}{TIMES}, normalised"
            f" {ratio:.3f}{TIMES} (95% CI {low:.3f}{DASH}{high:.3f}{TIMES})"
        )
    return lines


def _normalised(
    cells: Sequence[CellComparison], cal: Calibration
) -> list[tuple[CellComparison, float, tuple[float, float]]]:
    """Each cell with a ratio and CI, beside both divided by B's calibration factor over A's."""
    return [
        (cell, cell.ratio / cal.factor, (cell.ci95[0] / cal.factor, cell.ci95[1] / cal.factor))
        for cell in cells
        if cell.ratio is not None and cell.ci95 is not None
    ]


def comparison_json(comparison: Comparison) -> dict[str, Any]:
    c = comparison
    return {
        "run_a": c.run_a,
        "run_b": c.run_b,
        "threshold_pct": c.threshold_pct,
        "verdict": c.verdict,
        "exit_code": c.exit_code,
        "reason": c.problem,
        "cells": [_cell_json(cell) for cell in c.cells],
        "only_in_a": list(c.only_in_a),
        "only_in_b": list(c.only_in_b),
        "provenance_differences": [asdict(d) for d in c.differences],
        "calibration": None
        if c.calibration is None
        else {
            "score_a": c.calibration.score_a,
            "score_b": c.calibration.score_b,
            "factor": c.calibration.factor,
            "advice": c.calibration.advice(),
            "normalised": [
                {"cell": cell.name, "ratio": ratio, "ci95": list(ci95)}
                for cell, ratio, ci95 in _normalised(c.cells, c.calibration)
            ],
        },
    }


def _cell_json(cell: CellComparison) -> dict[str, Any]:
    return {
        "app": cell.app,
        "scenario": cell.scenario,
        "connections": cell.connections,
        "median_a": cell.median_a,
        "median_b": cell.median_b,
        "ratio": cell.ratio,
        "ci95": None if cell.ci95 is None else list(cell.ci95),
        "p_value": cell.p_value,
        "verdict": cell.verdict,
        "change_pct": cell.change_pct,
        "trials_a": cell.trials_a,
        "trials_b": cell.trials_b,
        "reason": cell.reason,
    }


def _compare_cell(
    key: Cell, cell_a: Mapping[str, Any], cell_b: Mapping[str, Any], threshold_pct: float
) -> CellComparison:
    a: list[float] = [float(v) for v in cell_a.get("rps") or []]
    b: list[float] = [float(v) for v in cell_b.get("rps") or []]
    app, scenario, connections = key
    base = CellComparison(
        app=app,
        scenario=scenario,
        connections=connections,
        trials_a=len(a),
        trials_b=len(b),
        median_a=median(a) if a else None,
        median_b=median(b) if b else None,
        ratio=None,
        ci95=None,
        p_value=None,
        verdict="not comparable",
    )
    short = [
        f"{len(v)} ok trials in {side}" for side, v in (("A", a), ("B", b)) if len(v) < MIN_TRIALS
    ]
    if short:
        reason = f"{' and '.join(short)}, too few for the test (it needs {MIN_TRIALS} a side)"
        return replace(base, reason=reason)
    if any(value <= 0 for value in a):
        return replace(base, reason="A has a trial at 0 req/s, so no ratio can be taken")
    ratio = median(b) / median(a)
    low, high = ratio_ci(b, a, seed=0)
    p_value = float(mannwhitneyu(b, a, alternative="two-sided").pvalue)
    change = (ratio - 1) * 100
    verdict: CellVerdict = "no difference"
    if low > 1 and change > threshold_pct:
        verdict = "improved"
    elif high < 1 and -change > threshold_pct:
        verdict = "regressed"
    return replace(base, ratio=ratio, ci95=(low, high), p_value=p_value, verdict=verdict)


def _cells(summary: Mapping[str, Any]) -> dict[Cell, Mapping[str, Any]]:
    return {cell_key(cell): cell for cell in summary.get("cells") or []}


def _facts(run: RunData) -> dict[str, Any]:
    """The set-up of a run that can change its numbers, flattened to labelled values."""
    prov = run.provenance
    lab, engine, host = (as_object(prov.get(key)) for key in ("lab", "engine", "host"))
    git = as_object(lab.get("git"))
    facts: dict[str, Any] = {}
    for name, image in as_object(prov.get("images")).items():
        facts[f"image {name} ID"] = as_object(image).get("id")
    facts["base image ID"] = as_object(prov.get("base_image")).get("id")
    facts["host CPU model"] = host.get("cpu_model")
    facts["host CPUs"] = host.get("cpus")
    facts["engine CPUs"] = engine.get("cpus")
    placement, applied = as_object(run.run.get("placement")), as_object(run.run.get("applied"))
    for role in CPU_ROLES:
        wanted = as_object(placement.get(role))
        facts[f"placement {role} cpuset"] = wanted.get("cpuset")
        facts[f"placement {role} CPUs"] = wanted.get("cpus")
        facts[f"applied {role} limits"] = applied.get(role)
    facts["engine version"] = engine.get("version")
    facts["engine kernel"] = engine.get("kernel")
    facts["host kernel"] = host.get("kernel")
    facts["engine cgroup"] = f"v{engine.get('cgroup_version')} {engine.get('cgroup_driver')}"
    facts["lab version"] = lab.get("version")
    facts["lab git sha"] = git.get("sha")
    facts["lab git dirty"] = git.get("dirty")
    for key, value in run.parameters.items():
        if key != "out":
            facts[f"parameter {key}"] = value
    effective = as_object(run.run.get("effective"))
    for key in ("threads", "workers", "connections"):
        facts[f"effective {key}"] = effective.get(key)
    return facts


def _row(cell: CellComparison) -> tuple[str, ...]:
    change = cell.change_pct
    ci = cell.ci95
    return (
        cell.name,
        format_rate(cell.median_a),
        format_rate(cell.median_b),
        DASH if cell.ratio is None else f"{cell.ratio:.3f}{TIMES}",
        DASH if ci is None else f"{ci[0]:.3f}{DASH}{ci[1]:.3f}{TIMES}",
        DASH if change is None else f"{change:+.1f}%",
        DASH if cell.p_value is None else _p(cell.p_value),
        cell.verdict if cell.reason is None else f"{cell.verdict}: {cell.reason}",
    )


def _verdict_line(c: Comparison) -> str:
    if c.problem is not None:
        return f"verdict: not comparable ({c.problem}) {DASH} exit {c.exit_code}"
    changed = [cell for cell in c.cells if cell.verdict == c.verdict]
    if c.verdict == "no difference":
        detail = f"no cell of {len(c.cells)} changed beyond the noise and {c.threshold_pct:g}%"
    else:
        detail = f"{len(changed)} of {len(c.cells)} cells {c.verdict}"
        if c.verdict == "regressed":
            names = ", ".join(
                f"{cell.name} {format_ratio(cell.ratio or 0)}{TIMES}" for cell in changed
            )
            detail += f": {names}"
    return f"verdict: {c.verdict}, {detail} {DASH} exit {c.exit_code}"


def _p(value: float) -> str:
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, str) and value.startswith("sha256:"):
        return value[:19]
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _name(key: Cell) -> str:
    return f"{key[0]} {key[1]} @{key[2]}"


def _names(cells: Mapping[Cell, Any]) -> str:
    return ", ".join(_name(key) for key in cells)
