"""A merged run's hosts in words: each ratio on each host, and how far the hosts agree.

The same lines go to the terminal (`lab merge`, `lab show`), report.md and report.html.
"""

from __future__ import annotations

import math

from lab.results.hostsdoc import HostAgreement
from lab.results.summarydoc import Summary
from lab.text import DASH, TIMES, format_ratio


def host_lines(summary: Summary) -> list[str]:
    """A line per ratio, then what the pooled ratio is; none for a run on one host."""
    hosts = summary.hosts
    if hosts is None:
        return []
    lines = [
        f"across {len(hosts.groups)} hosts (each shard on its host; rounds "
        + "; ".join(f"{', '.join(map(str, g.rounds))} on {g.label}" for g in hosts.groups)
        + ")"
    ]
    lines += [_line(item) for item in hosts.ratios]
    lines.append(
        "each round ran on one host, so pairing by round blocks the hosts too: a ratio above"
        " is the plan's mix of these hosts"
    )
    return lines


def _line(item: HostAgreement) -> str:
    each = ", ".join(
        f"{format_ratio(h.ratio)}{TIMES}"
        + (f" ({format_ratio(h.ci.low)}{DASH}{format_ratio(h.ci.high)})" if h.ci else "")
        + f" on {h.host}"
        for h in item.hosts
    )
    if item.p_value is None or item.df is None:
        return f"  {item.label}: {each}; no host ran 2 rounds, so their spread is not tested"
    verdict = "they differ" if item.p_value < 0.05 else "no difference shown"
    spread = ""
    if item.sd_between is not None and item.sd_between_high is not None:
        level = round((item.level or 0.95) * 100)
        spread = (
            f"; between hosts sd {_pct(item.sd_between)} ({level}% CI"
            f" {_pct(item.sd_between_low or 0.0)}{DASH}{_pct(item.sd_between_high)})"
        )
    f_text = "inf" if item.f is None else f"{item.f:.2f}"
    return (
        f"  {item.label}: {each}{spread}; F = {f_text} on {item.df[0]} and {item.df[1]} df,"
        f" p = {item.p_value:.2f}: {verdict}"
    )


def _pct(log_sd: float) -> str:
    return f"{math.expm1(log_sd) * 100:.1f}%"
