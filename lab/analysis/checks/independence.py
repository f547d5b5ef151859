"""Did the host drift across rounds? A warning when consecutive trials of a cell correlate.

The levels of every interval and verdict assume independent trials; this check is the
run's own evidence against that assumption (lab.analysis.independence). Measured by
simulation at a lag-1 autocorrelation of 0.5 (lab.analysis.simulation, `lab figures`):
ratio intervals stated at 95% cover 74-86% of the time, and compare calls identical
runs different 18-46% of the time instead of 5%.
"""

from __future__ import annotations

from collections.abc import Sequence

from lab.analysis.checks.cells import ok_trials_by_cell
from lab.analysis.checks.findings import run_finding
from lab.analysis.independence import autocorrelation
from lab.results.findings import Finding
from lab.results.records import TrialRecord

ALPHA = 0.05


def check_independence(records: Sequence[TrialRecord]) -> list[Finding]:
    """Warn when the pooled lag-1 autocorrelation of the cells' log req/s is significant."""
    cells = [
        [t.rps for t in trials if t.rps is not None and t.rps > 0]
        for trials in ok_trials_by_cell(records).values()
    ]
    found = autocorrelation(cells)
    if found is None or found.p_value > ALPHA:
        return []
    return [
        run_finding(
            "warning",
            "trials-autocorrelated",
            f"consecutive trials of a cell move together (lag-1 autocorrelation"
            f" {found.r:.2f} of log req/s over {found.pairs} pairs, permutation p"
            f" {found.p_value:.3f}): the host's speed drifted across rounds. Every interval"
            " and verdict assumes independent trials, so they claim more than they hold"
            " (simulated at autocorrelation 0.5: a 95% ratio interval covers 74-86%).",
            "Compare only apps measured side by side in this run, quiet the host, or use"
            " more, shorter trials (--repetitions up, --duration down) so a slow spell"
            " lands on every app alike.",
        )
    ]
