"""The cost of serving of two runs compared: judged where it can be, said where not."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from lab.analysis.compare import compare_runs
from lab.analysis.comparetext import comparison_lines
from lab.analysis.costcompare import compare_costs, recorded
from lab.analysis.runs import load_run
from lab.model.cell import Cell
from lab.results.costdoc import FIGURES, CellCost, CostFigure
from lab.results.summarydoc import Summary, SummaryCell
from tests.unit.runs import comparison_pair

KEY = Cell("aio", "hello", 200)


def run(cpu_ms: tuple[float, ...] | None, peak: tuple[float, ...] = ()) -> Summary:
    """One cell of aio; `cpu_ms` None: a run from before the lab measured the cost."""
    cost = None
    if cpu_ms is not None:
        figures: dict[str, CostFigure | None] = dict.fromkeys(FIGURES)
        figures["cpu_ms_per_request"] = CostFigure(sorted(cpu_ms)[len(cpu_ms) // 2], None, cpu_ms)
        if peak:
            figures["memory_peak_mib"] = CostFigure(sorted(peak)[len(peak) // 2], None, peak)
        cost = CellCost(figures, memory_unavailable=None if peak else "remote engine")
    cell = SummaryCell("aio", "hello", 200, 5, 0, (1000.0,) * 5, rps_median=1000.0, cost=cost)
    return Summary(apps=("aio",), cells=(cell,))


def test_a_clear_rise_in_cpu_per_request_is_judged_higher() -> None:
    a = run((0.100, 0.101, 0.099, 0.100, 0.102), peak=(50, 50, 51, 50, 50))
    b = run((0.150, 0.151, 0.149, 0.152, 0.150), peak=(50, 51, 50, 50, 50))
    changes = compare_costs(a, b, [KEY], 5.0)
    cpu, peak = changes
    assert cpu.figure == "cpu_ms_per_request" and cpu.verdict == "higher"
    assert cpu.ci is not None and cpu.ci.low > 1.4
    assert cpu.p_adjusted is not None and cpu.p_adjusted < 0.05
    assert round(cpu.change_pct or 0) == 50
    assert peak.verdict == "no difference" and peak.reason is None


def test_too_few_trials_show_the_change_but_are_not_judged() -> None:
    a, b = run((0.1, 0.1)), run((0.2, 0.2))
    cpu, peak = compare_costs(a, b, [KEY], 5.0)
    assert cpu.verdict == "not judged" and cpu.ci is None and cpu.p_adjusted is None
    assert cpu.ratio == 2.0  # of the medians, descriptive
    assert cpu.reason is not None and "2 in A and 2 in B" in cpu.reason
    assert peak.reason == "not measured in A: remote engine"


def test_a_run_from_before_the_cost_says_so_and_neither_crashes() -> None:
    old, new = run(None), run((0.1, 0.1, 0.1))
    assert not recorded(old) and recorded(new)
    (cpu, _) = compare_costs(old, new, [KEY], 5.0)
    assert cpu.verdict == "not judged"
    assert cpu.reason == "no cost recorded in A (a run from before the lab measured it)"
    assert compare_costs(old, old, [KEY], 5.0) == ()


def test_compare_says_no_cost_recorded_for_a_run_from_before(tmp_path: Path) -> None:
    a, b = comparison_pair(tmp_path)
    comparison = replace(compare_runs(load_run(a), load_run(b)), cost=(), cost_missing=("A",))
    text = "\n".join(comparison_lines(comparison))
    assert "cost of serving: no cost recorded in A (a run from before the lab measured it)" in text
    assert "no cost" not in "\n".join(comparison_lines(replace(comparison, cost_missing=())))
