"""Which trials the host disturbed, and what the checks say about them."""

from __future__ import annotations

from dataclasses import replace

from lab.analysis.checks import check_host, check_outliers
from lab.analysis.disturbance import THRESHOLD, disturbances
from lab.measure.hostcpu import HostEvidence
from lab.results.records import TrialRecord
from tests.unit.fixtures import evidence, trial


def host(
    app: dict[str, float] | None = None,
    load: dict[str, float] | None = None,
    controller: float = 0.001,
) -> HostEvidence:
    return evidence([(0, ["redis", "wrk"], load or {}), (1, ["app"], app or {})], 8.0, controller)


def cell(rps: list[int], hosts: list[HostEvidence | str | None]) -> list[TrialRecord]:
    """Trials of one cell; a host given as a string is the reason it could not be read."""
    records = []
    for n, (r, given) in enumerate(zip(rps, hosts, strict=True)):
        record = trial(n + 1, rps=r)
        if isinstance(given, str):
            records.append(replace(record, host_unavailable=given))
        else:
            records.append(replace(record, host=given))
    return records


def test_foreign_time_on_the_apps_cpu_disturbs_the_trial() -> None:
    records = cell([1000, 1010, 700], [host(), host(), host(app={"foreign": 0.31})])
    found = disturbances(records)
    assert list(found) == [3]
    [worst] = found[3]
    assert (worst.cpu, worst.kind, worst.share) == (1, "foreign", 0.31)
    [finding] = check_host(records)
    assert finding.code == "host-disturbed"
    assert "trial 3: 31% of CPU 1 (app) to foreign during its window" in finding.message
    assert "foreign: user and system time outside the run's containers" in finding.message


def test_one_finding_per_cell_names_each_disturbed_trial() -> None:
    records = cell(
        [1000, 900, 1000, 800],
        [host(), host(load={"steal": 0.16}), host(), host(app={"foreign": 0.1, "steal": 0.3})],
    )
    [finding] = check_host(records)
    assert (
        "trial 2: 16% of CPU 0 (redis/wrk) to steal;"
        " trial 4: 30% of CPU 1 (app) to steal, 10% of CPU 1 (app) to foreign" in finding.message
    )
    assert "during their windows" in finding.message
    assert "the cell's figures include them" in finding.message


def test_below_the_threshold_nothing_is_flagged() -> None:
    just_under = THRESHOLD - 0.001
    records = cell([1000] * 3, [host(app={"foreign": just_under, "steal": just_under})] * 3)
    assert disturbances(records) == {}
    assert check_host(records) == []


def test_steal_counts_by_itself_and_softirq_only_above_its_cells_median() -> None:
    busy_bridge = {"softirq": 0.20}
    records = cell(
        [1000] * 4,
        [host(load=busy_bridge), host(load=busy_bridge), host(load={"softirq": 0.27}), host()],
    )
    found = disturbances(records)
    assert list(found) == [3]
    assert [(d.kind, d.baseline) for d in found[3]] == [("softirq", 0.20)]
    records = cell([1000] * 2, [host(), host(app={"steal": 0.06})])
    assert [d.kind for d in disturbances(records)[2]] == ["steal"]


def test_the_outlier_rule_defers_to_the_evidence() -> None:
    rps = [1000, 1003, 997, 1001, 999, 600]
    clean = [host()] * 6
    [finding] = check_outliers(cell(rps, clean))
    assert finding.code == "outlier-trial"
    assert "shows nothing else on the run's CPUs during trial 6" in finding.remedy
    disturbed = [host()] * 5 + [host(app={"foreign": 0.4})]
    assert check_outliers(cell(rps, disturbed)) == []
    assert [f.code for f in check_host(cell(rps, disturbed))] == ["host-disturbed"]
    [guess] = check_outliers(cell(rps, [None] * 6))
    assert "See what else ran on the host" in guess.remedy


def test_a_busy_controller_and_missing_evidence_are_said_once() -> None:
    records = cell([1000] * 3, [host(controller=0.03), host(controller=0.02), host()])
    [finding] = check_host(records)
    assert finding.code == "controller-busy"
    assert "3% of a CPU during trial 1" in finding.message
    assert "2 of 3 windows" in finding.message
    unavailable = "the engine runs on another host or in a VM"
    [info] = check_host(cell([1000] * 2, [unavailable, unavailable]))
    assert (info.severity, info.code) == ("info", "host-evidence-unavailable")
    assert "another host" in info.message
    assert check_host(cell([1000] * 2, [None, None])) == []
