"""Did the host drift across rounds, and did the blocked ratios remove it?

Two pieces of the run's own evidence (lab.analysis.independence):

- consecutive trials of a cell move together (their log req/s autocorrelate): the host
  drifted. The ratios are blocked by round (lab.analysis.blocked), which removes a drift
  every app shares; a cell's own figure cannot be blocked, so its interval claims more
  than it holds (simulated at autocorrelation 0.5: an order-statistic interval stated
  at 93.75% covers far less). A warning, naming what blocking removed.
- the blocked ratios' residuals, round after round, still move together: a drift the
  apps do not share alike, or slow spells of a cell's own, which blocking cannot
  remove; the ratios' intervals assume independent rounds and may claim more than they
  hold (lab.analysis.driftsim measures by how much). A warning of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lab.analysis.blocked import blocked_fit, observations, round_pairs
from lab.analysis.checks.cells import ok_trials_by_cell
from lab.analysis.checks.findings import run_finding
from lab.analysis.independence import autocorrelation, series_autocorrelation
from lab.model.cell import Cell
from lab.results.findings import Finding
from lab.results.records import TrialRecord
from lab.results.summarydoc import Summary

ALPHA = 0.05


def check_independence(records: Sequence[TrialRecord], summary: Summary) -> list[Finding]:
    """Warn when the cells' trials autocorrelate, and when the blocked ratios' do."""
    return _cells_move_together(records, summary) + _ratios_move_together(records, summary)


def _cells_move_together(records: Sequence[TrialRecord], summary: Summary) -> list[Finding]:
    cells = [
        [t.rps for t in trials if t.rps is not None and t.rps > 0]
        for trials in ok_trials_by_cell(records).values()
    ]
    found = autocorrelation(cells)
    if found is None or found.p_value > ALPHA:
        return []
    drift = summary.drift
    moved = (
        ""
        if drift is None
        else f" (its speed changed {drift.change:+.0%} from the first round to the last, and"
        f" its fastest round was {drift.spread:.0%} above its slowest)"
    )
    blocked = [ratio for ratio in summary.ratios if ratio.pairs]
    ratios = (
        " The app ratios are blocked by round, which removes a drift every app shares:"
        " their intervals do not assume independent trials."
        if blocked
        else ""
    )
    return [
        run_finding(
            "warning",
            "trials-autocorrelated",
            f"consecutive trials of a cell move together (lag-1 autocorrelation {found.r:.2f}"
            f" of log req/s over {found.pairs} pairs, permutation p {found.p_value:.3f}): the"
            f" host's speed drifted across rounds{moved}.{ratios} A cell's own req/s and its"
            " interval cannot be blocked: they are this host's speed during this run, and"
            " the interval's level assumes independent trials, which these are not.",
            "Read apps against each other (the ratios), not a cell's req/s against another"
            " run's; quiet the host (no other load, fixed CPU frequency) for figures that"
            " travel.",
        )
    ]


def _ratios_move_together(records: Sequence[TrialRecord], summary: Summary) -> list[Finding]:
    observed = observations(records)
    residuals = []
    for ratio in summary.ratios:
        if not ratio.pairs:
            continue
        top = Cell(ratio.numerator, ratio.scenario, ratio.connections)
        fit = blocked_fit(round_pairs(observed, top, top._replace(app=ratio.denominator)))
        if fit is not None:
            residuals.append(np.array(fit.residuals))
    found = series_autocorrelation(residuals)
    if found is None or found.p_value > ALPHA:
        return []
    return [
        run_finding(
            "warning",
            "ratios-autocorrelated",
            f"the blocked ratios still move together from round to round (lag-1"
            f" autocorrelation {found.r:.2f} of their residuals over {found.pairs} pairs,"
            f" permutation p {found.p_value:.3f}): a drift the apps do not share alike, or"
            " slow spells of a cell's own, which blocking by round cannot remove. The"
            " ratios' intervals assume independent rounds and claim more than they hold.",
            "Run more, shorter rounds (--repetitions up, --duration down) so a spell spans"
            " fewer of them, and quiet the host; compare the ratios of two such runs.",
        )
    ]
