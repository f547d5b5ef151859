"""Whether a merged run's hosts agree on each ratio (summary.json's `hosts`)."""

from __future__ import annotations

import math

from lab.analysis.checks.cells import cell_ref
from lab.analysis.hostagree import ALPHA
from lab.model.cell import Cell
from lab.results.findings import Finding
from lab.results.hostsdoc import HostAgreement
from lab.results.summarydoc import Summary
from lab.text import TIMES, format_ratio


def check_hosts(summary: Summary) -> list[Finding]:
    """`hosts-disagree` for each ratio whose hosts' F test rejects "they agree" at 5%:
    how far apart the hosts' ratios are, and the between-host spread with its interval.
    Each ratio is its own test at 5%: over many ratios, one may fire by chance."""
    if summary.hosts is None:
        return []
    return [_finding(item) for item in summary.hosts.ratios if _rejects(item)]


def _rejects(item: HostAgreement) -> bool:
    return item.p_value is not None and item.p_value < ALPHA


def _finding(item: HostAgreement) -> Finding:
    hosts = sorted(item.hosts, key=lambda host: host.ratio)
    low, high = hosts[0], hosts[-1]
    each = ", ".join(f"{format_ratio(host.ratio)}{TIMES} on {host.host}" for host in item.hosts)
    apart = (high.ratio / low.ratio - 1) * 100
    assert item.df is not None and item.p_value is not None
    spread = ""
    if item.sd_between is not None and item.sd_between_high is not None:
        level = round((item.level or 0.95) * 100)
        spread = (
            f"; between hosts the log ratio spreads by {_pct(item.sd_between)} (sd, {level}%"
            f" CI {_pct(item.sd_between_low or 0.0)}\N{EN DASH}{_pct(item.sd_between_high)})"
            f" beside {_pct(item.sd_within or 0.0)} from round to round"
        )
    f_text = "inf" if item.f is None else f"{item.f:.1f}"
    message = (
        f"{item.label} differs between hosts: {each}; the highest is {apart:.0f}% above the"
        f" lowest (F = {f_text} on {item.df[0]} and {item.df[1]} df, p = {item.p_value:.3f})"
        f"{spread}."
    )
    remedy = (
        "The pooled ratio is the plan's mix of these hosts: state it with its hosts, or find"
        " what makes them differ (CPU model, kernel, engine, load) in each shard's run.json."
    )
    cell = Cell(item.numerator, item.scenario, item.connections)
    return Finding("warning", "hosts-disagree", message, remedy, cell_ref(cell))


def _pct(log_sd: float) -> str:
    return f"{math.expm1(log_sd) * 100:.1f}%"
