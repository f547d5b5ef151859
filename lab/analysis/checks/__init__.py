"""The lab checks its own measurement: pure checks over trial records and the summary.

Each check reads data already recorded (trials, summary.json, run.json, the harness
ceiling) and returns findings; none touches Docker, the clock or the disk. run_checks
runs every check that applies, in a fixed order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lab.analysis.checks.cells import trials_by_cell
from lab.analysis.checks.fairness import check_fairness
from lab.analysis.checks.findings import by_severity, finding_line, findings_lines
from lab.analysis.checks.host import check_host
from lab.analysis.checks.hosts import check_hosts
from lab.analysis.checks.independence import check_independence
from lab.analysis.checks.ratios import check_ratio_precision
from lab.analysis.checks.resources import (
    check_bottleneck,
    check_ceiling,
    check_generator,
    check_placement,
    check_throttling,
)
from lab.analysis.checks.stability import (
    aa_finding,
    aa_resolution,
    check_outliers,
    check_stability,
    repetitions_needed,
)
from lab.analysis.checks.topology import check_topology
from lab.analysis.checks.trials import check_errors, check_failed, check_window, headline_ok
from lab.model.cell import Cell
from lab.results.findings import Finding
from lab.results.records import TrialRecord
from lab.results.rundoc import RunDocument
from lab.results.summarydoc import Summary

__all__ = [
    "aa_finding",
    "aa_resolution",
    "by_severity",
    "check_bottleneck",
    "check_ceiling",
    "check_errors",
    "check_failed",
    "check_fairness",
    "check_generator",
    "check_host",
    "check_hosts",
    "check_independence",
    "check_outliers",
    "check_placement",
    "check_ratio_precision",
    "check_stability",
    "check_throttling",
    "check_window",
    "finding_line",
    "findings_lines",
    "headline_ok",
    "repetitions_needed",
    "run_checks",
]


def run_checks(
    run: RunDocument,
    records: Sequence[TrialRecord],
    summary: Summary,
    ceiling_rps: float | None,
) -> list[Finding]:
    """Every applicable check's findings: errors, then warnings, then info.

    Within a severity, findings follow the order of the checks below, then the order of
    the summary's cells (cells only in `records` after them, run-wide findings first).
    The ceiling check runs only when a ceiling was measured.
    """
    host_cpus = run.host_cpus
    checks: list[Callable[[], list[Finding]]] = [
        lambda: check_failed(records),
        lambda: check_errors(records),
        lambda: check_generator(records, host_cpus),
        lambda: check_bottleneck(records, host_cpus),
        lambda: check_throttling(records),
        lambda: [] if ceiling_rps is None else check_ceiling(summary, ceiling_rps),
        lambda: check_window(records),
        lambda: check_host(records),
        lambda: check_stability(summary),
        lambda: check_outliers(records),
        lambda: check_ratio_precision(records, summary),
        lambda: check_independence(records, summary),
        lambda: check_hosts(summary),
        lambda: check_placement(run.placement),
        lambda: check_fairness(run.effective),
        lambda: check_topology(run.effective),
    ]
    order = _cell_order(summary, records)
    ranked = [(rank, finding) for rank, check in enumerate(checks) for finding in check()]
    ranked.sort(
        key=lambda item: (item[0], -1 if item[1].cell_key is None else order[item[1].cell_key])
    )
    return by_severity(finding for _, finding in ranked)


def _cell_order(summary: Summary, records: Sequence[TrialRecord]) -> dict[Cell, int]:
    keys = [cell.key for cell in summary.cells] + list(trials_by_cell(records))
    return {key: position for position, key in enumerate(dict.fromkeys(keys))}
