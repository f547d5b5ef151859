"""The run summary (summary.json): per-cell statistics and app-to-app ratios.

A cell is one app x scenario x connections level. Statistics use the ok trials only;
failed ones are counted so a reader sees them. Each ok trial's req/s is listed beside
the derived numbers so anyone can recompute them. Latency percentiles are the median
across trials of each trial's percentile (percentiles do not average); `max` is the
largest of the trials' maxima. A cell's cost of serving (CPU per response, memory) is
lab.analysis.cost's.

A cell's centre is its median with the distribution-free order-statistic interval, at
the level it achieves (75% at 3 trials, 93.75% at 5); it is the host's speed during the
run as much as the app's, and its level assumes independent trials. An app ratio is
blocked by round (lab.analysis.blocked): the rounds pair the two apps' trials, so the
host's drift, which moves every app alike, leaves the ratio; the Welch interval of the
same trials taken as independent is kept beside it, to show what the blocking gained.
A ratio whose apps share fewer than 2 rounds falls back to that Welch interval. The
host's drift, round by round, is lab.analysis.drift's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from lab.analysis.blocked import Observation, blocked_fit, observations, round_pairs
from lab.analysis.cost import cell_cost
from lab.analysis.disturbance import Disturbance, disturbances
from lab.analysis.drift import host_drift
from lab.analysis.hosts import hosts_section
from lab.analysis.intervals import Interval, median_interval, ratio_interval
from lab.analysis.stats import cv, geometric_mean, median
from lab.model.cell import Cell
from lab.model.cpurequest import CPU_ROLES
from lab.results.intervaldoc import StatedInterval
from lab.results.records import TrialRecord
from lab.results.summarydoc import (
    BLOCKED,
    ERROR_KINDS,
    LATENCY_PERCENTILES,
    CpuShare,
    Ratio,
    Summary,
    SummaryCell,
)


def build_summary(
    records: Sequence[TrialRecord], app_order: Sequence[str], scenario_order: Sequence[str]
) -> Summary:
    """The summary of `records`, cells ordered by scenario, connections, then app.

    Apps and scenarios missing from the given orders come after the known ones, in the
    order they first appear. Ratios compare every other app with the first app of
    `app_order`, within each scenario x connections level.
    """
    in_trial_order = sorted(records, key=lambda record: record.index)
    apps = _ordered((r.app for r in in_trial_order), app_order)
    scenarios = _ordered((r.scenario for r in in_trial_order), scenario_order)

    groups: dict[Cell, list[TrialRecord]] = {}
    for record in in_trial_order:
        groups.setdefault(record.cell, []).append(record)
    keys = sorted(groups, key=lambda key: (scenarios.index(key[1]), key[2], apps.index(key[0])))
    disturbed = disturbances(in_trial_order)
    cells = {key: _cell(key, groups[key], disturbed) for key in keys}

    baseline = app_order[0] if app_order else None
    observed = observations(in_trial_order)
    ratios = [
        _ratio(cells[key], cells[key._replace(app=baseline)], observed)
        for key in keys
        if baseline is not None and key.app != baseline and key._replace(app=baseline) in cells
    ]
    return Summary(
        apps=tuple(apps),
        cells=tuple(cells.values()),
        ratios=tuple(ratios),
        drift=host_drift(observed),
        hosts=hosts_section(in_trial_order, ratios, observed),
    )


def _ordered(seen: Iterable[str], order: Sequence[str]) -> list[str]:
    present = dict.fromkeys(seen)
    known = [name for name in dict.fromkeys(order) if name in present]
    return known + [name for name in present if name not in known]


def _cell(
    key: Cell, records: Sequence[TrialRecord], disturbed: Mapping[int, list[Disturbance]]
) -> SummaryCell:
    app, scenario, connections = key
    ok = [record for record in records if record.status == "ok"]
    rps = [record.rps for record in ok if record.rps is not None]
    counts = SummaryCell(
        app=app,
        scenario=scenario,
        connections=connections,
        trials=len(ok),
        failed=len(records) - len(ok),
        rps=tuple(rps),
        host_disturbed=tuple(r.index for r in ok if r.index in disturbed)
        if any(record.host is not None for record in ok)
        else None,
    )
    if not rps:
        return counts
    latencies = [record.latency_us.to_dict() for record in ok if record.latency_us is not None]
    errors = [record.errors.to_dict() for record in ok if record.errors is not None]
    error_sums = {kind: sum(counts[kind] for counts in errors) for kind in ERROR_KINDS}
    return replace(
        counts,
        rps_median=median(rps),
        # One trial has no spread: its "interval" would be a point at 0% confidence.
        rps_ci=stated(median_interval(rps)) if len(rps) > 1 else None,
        rps_geomean=geometric_mean(rps) if all(value > 0 for value in rps) else None,
        cv=cv(rps),
        latency_us={
            p: (max if p == "max" else median)([lat[p] for lat in latencies])
            for p in LATENCY_PERCENTILES
        },
        errors={**error_sums, "total": sum(error_sums.values())},
        cpu={role: _cpu_role(ok, role) for role in CPU_ROLES},
        cost=cell_cost(ok),
    )


def _cpu_role(records: Sequence[TrialRecord], role: str) -> CpuShare | None:
    # Trials whose snapshots failed are left out; `samples` says how many remain.
    uses = [use for use in (record.cpu[role] for record in records) if use is not None]
    if not uses:
        return None
    return CpuShare(
        share=median([use.share for use in uses]),
        throttled_periods=median([use.throttled_periods for use in uses]),
        samples=len(uses),
    )


def _ratio(
    numerator: SummaryCell, denominator: SummaryCell, observed: Sequence[Observation]
) -> Ratio:
    entry = Ratio(
        scenario=numerator.scenario,
        connections=numerator.connections,
        numerator=numerator.app,
        denominator=denominator.app,
    )
    top, bottom = numerator.rps, denominator.rps
    if not top or not bottom or not all(value > 0 for value in (*top, *bottom)):
        # A trial at 0 req/s has no logarithm: no ratio of geometric means exists.
        return entry
    if len(top) < 2 or len(bottom) < 2:
        return replace(entry, ratio=geometric_mean(top) / geometric_mean(bottom))
    unblocked = ratio_interval(top, bottom)
    fit = blocked_fit(round_pairs(observed, numerator.key, denominator.key))
    if fit is None:
        return replace(entry, ratio=unblocked.estimate, ci=stated(unblocked))
    return replace(
        entry,
        ratio=fit.interval.estimate,
        ci=stated(fit.interval),
        estimator=BLOCKED,
        pairs=fit.pairs,
        ci_unblocked=stated(unblocked),
    )


def stated(interval: Interval) -> StatedInterval:
    """An interval as summary.json writes it: its ends, achieved level and method."""
    return StatedInterval(interval.low, interval.high, interval.level, interval.method)
