"""A merged run's hosts: each ratio on each host's rounds, and whether the hosts agree.

`lab merge` tags every trial with the host it ran on (`node`) and its shard; a host here
is the rounds one shard ran on one host (two shards made by hand on one engine are two
groups: the same machine at two times). Each round ran wholly on one host, so a round's
log ratio is already free of its host's speed; the groups' log ratios are compared by
lab.analysis.hostagree. A run whose trials carry no host has no `hosts` section.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

from lab.analysis.blocked import Observation, RoundPair, blocked_fit, round_pairs
from lab.analysis.hostagree import METHOD, one_way
from lab.model.cell import Cell
from lab.results.hostsdoc import HostAgreement, HostGroup, HostRatio, Hosts
from lab.results.intervaldoc import StatedInterval
from lab.results.records import TrialRecord
from lab.results.summarydoc import Ratio


def host_groups(records: Sequence[TrialRecord]) -> tuple[HostGroup, ...]:
    """The (shard, host) groups of the trials that carry either, in order of first round."""
    rounds: dict[tuple[str | None, str | None], set[int]] = {}
    for record in sorted(records, key=lambda r: r.index):
        if record.node is None and record.shard is None:
            continue
        rounds.setdefault((record.shard, record.node), set()).add(record.repetition)
    return tuple(
        HostGroup(_label(shard, node), node, shard, tuple(sorted(numbers)))
        for (shard, node), numbers in sorted(rounds.items(), key=lambda item: min(item[1]))
    )


def _label(shard: str | None, node: str | None) -> str:
    if shard is None:
        return node or "unknown host"
    return f"shard {shard}" + (f" on {node}" if node else "")


def hosts_section(
    records: Sequence[TrialRecord], ratios: Sequence[Ratio], observed: Sequence[Observation]
) -> Hosts | None:
    """Each ratio's agreement across the run's hosts; None on fewer than two."""
    groups = host_groups(records)
    if len(groups) < 2:
        return None
    of_round = {number: group.label for group in groups for number in group.rounds}
    agreements = [_agreement(ratio, groups, of_round, observed) for ratio in ratios]
    return Hosts(METHOD, groups, tuple(agreements))


def _agreement(
    ratio: Ratio,
    groups: Sequence[HostGroup],
    of_round: Mapping[int, str],
    observed: Sequence[Observation],
) -> HostAgreement:
    top = Cell(ratio.numerator, ratio.scenario, ratio.connections)
    bottom = Cell(ratio.denominator, ratio.scenario, ratio.connections)
    by_host: dict[str, list[RoundPair]] = {group.label: [] for group in groups}
    for pair in round_pairs(observed, top, bottom):
        if pair.round in of_round:
            by_host[of_round[pair.round]].append(pair)
    entry = HostAgreement(
        scenario=ratio.scenario,
        connections=ratio.connections,
        numerator=ratio.numerator,
        denominator=ratio.denominator,
        hosts=tuple(_host_ratio(label, pairs) for label, pairs in by_host.items() if pairs),
    )
    test = one_way([[pair.log_ratio for pair in pairs] for pairs in by_host.values()])
    if test is None:
        return entry
    return replace(
        entry,
        f=test.f if math.isfinite(test.f) else None,
        df=(test.df_between, test.df_within),
        p_value=test.p_value,
        sd_between=test.sd_between,
        sd_between_low=test.sd_between_low,
        sd_between_high=test.sd_between_high,
        sd_within=test.sd_within,
        level=test.level,
    )


def _host_ratio(label: str, pairs: Sequence[RoundPair]) -> HostRatio:
    fit = blocked_fit(pairs)
    centre = sum(pair.log_ratio for pair in pairs) / len(pairs)
    if fit is None:
        return HostRatio(label, len(pairs), math.exp(centre), None)
    interval = fit.interval
    return HostRatio(
        label,
        len(pairs),
        interval.estimate,
        StatedInterval(interval.low, interval.high, interval.level, interval.method),
    )
