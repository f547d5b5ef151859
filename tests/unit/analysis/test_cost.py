"""The cost of serving: per trial over one span, and a cell's medians with their intervals."""

from __future__ import annotations

import pytest

from lab.analysis.cost import cell_cost, trial_cost
from lab.analysis.summary import build_summary
from lab.measure.memory import MIB, ContainerMemory, ProcessReading, with_roles
from lab.results.summarydoc import Summary
from tests.unit.fixtures import cpu, failed_trial, trial


def memory(worker_mib: float, peak_mib: float = 200.0, workers: int = 2) -> ContainerMemory:
    master = ProcessReading(10, 1, "gunicorn: master", 30 * MIB, 20 * MIB)
    children = [
        ProcessReading(11 + n, 10, "gunicorn: worker", 80 * MIB, int(worker_mib * MIB))
        for n in range(workers)
    ]
    return ContainerMemory(
        "v1", int(peak_mib * MIB), 150 * MIB, 100 * MIB, with_roles([master, *children])
    )


def test_a_trial_costs_its_app_cpu_over_its_ok_responses() -> None:
    # 1,000 ok responses in the 1 s run, 0.5 s of the app's CPU: 0.5 ms each.
    cost = trial_cost(trial(1, rps=1000, status_errors=20, cpu_app=cpu(0.5), memory=memory(40)))
    assert cost.figures["cpu_ms_per_request"] == pytest.approx(0.5)
    assert cost.figures["requests_per_cpu_s"] == pytest.approx(2000)
    assert cost.figures["memory_peak_mib"] == 200
    assert cost.figures["memory_end_mib"] == 150
    assert cost.figures["memory_anon_mib"] == 100
    assert cost.figures["worker_mib"] == pytest.approx(40)
    assert cost.figures["parent_mib"] == 20
    assert cost.workers == 2


def test_a_trial_without_readings_costs_nothing_known() -> None:
    cost = trial_cost(trial(1, rps=1000))
    assert set(cost.figures.values()) == {None}
    assert cost.workers is None
    zero_cpu = trial_cost(trial(2, rps=1000, cpu_app=cpu(0.0)))
    assert zero_cpu.figures["requests_per_cpu_s"] is None


def test_a_cell_has_the_median_of_its_trials_with_their_interval() -> None:
    records = [
        trial(n, rps=1000, cpu_app=cpu(share), memory=memory(worker, peak))
        for n, (share, worker, peak) in enumerate(
            [(0.4, 40, 190), (0.5, 42, 200), (0.6, 41, 210), (0.5, 43, 205), (0.45, 44, 195)], 1
        )
    ]
    cost = cell_cost(records)
    assert cost is not None
    figure = cost.figure("cpu_ms_per_request")
    assert figure is not None
    assert figure.median == pytest.approx(0.5)
    assert figure.trials == pytest.approx((0.4, 0.5, 0.6, 0.5, 0.45))
    # Five trials: min to max, 93.75%, as req/s's interval has.
    assert figure.ci is not None
    assert (figure.ci.low, figure.ci.high, figure.ci.level) == pytest.approx((0.4, 0.6, 0.9375))
    assert cost.median("worker_mib") == pytest.approx(42)
    assert cost.median("memory_peak_mib") == 200
    assert cost.workers == 2
    assert cost.memory_unavailable is None


def test_one_trial_gives_a_figure_without_an_interval() -> None:
    cost = cell_cost([trial(1, cpu_app=cpu(0.5))])
    assert cost is not None
    figure = cost.figure("cpu_ms_per_request")
    assert figure is not None and figure.ci is None


def test_a_cell_without_memory_says_why() -> None:
    remote = "a role's engine is on another host: its /proc is not here"
    cost = cell_cost([trial(1, cpu_app=cpu(0.5), memory_unavailable=remote)])
    assert cost is not None
    assert cost.figure("memory_peak_mib") is None
    assert cost.memory_unavailable == remote
    older = cell_cost([trial(1, cpu_app=cpu(0.5))])
    assert older is not None
    assert older.memory_unavailable == "not read by the lab that made these trials"


def test_the_summary_gives_each_cell_its_cost_and_reads_it_back() -> None:
    records = [
        trial(1, cpu_app=cpu(0.5), memory=memory(40)),
        trial(2, cpu_app=cpu(0.6), memory=memory(44)),
        failed_trial(3),
    ]
    summary = build_summary(records, ["flask"], ["hello"])
    (cell,) = summary.cells
    assert cell.cost is not None
    assert cell.cost.median("cpu_ms_per_request") == pytest.approx(0.55)
    data = summary.to_dict()
    assert data["cells"][0]["cost"]["worker_mib"]["trials"] == pytest.approx([40, 44])
    assert Summary.from_dict(data) == summary
