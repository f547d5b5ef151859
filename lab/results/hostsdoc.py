"""The hosts' agreement as summary.json states it (schema 5): a merged run's hosts, each
ratio on each host, and how far the hosts are apart.

lab.analysis.hosts computes it; this is only its written form. A run made on one host
has no `hosts` key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lab.results.intervaldoc import StatedInterval, stated_interval
from lab.results.jsonfields import NUMBER, JsonObject, objects, optional, required

HOSTS_KEY = "hosts"


@dataclass(frozen=True, slots=True)
class HostGroup:
    """The rounds one host ran for one shard: `label` names it in every ratio below."""

    label: str
    node: str | None
    shard: str | None
    rounds: tuple[int, ...]

    def to_dict(self) -> JsonObject:
        return {
            "label": self.label,
            "node": self.node,
            "shard": self.shard,
            "rounds": list(self.rounds),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> HostGroup:
        rounds = required(data, "rounds", list, where)
        return cls(
            label=required(data, "label", str, where),
            node=optional(data, "node", str, where),
            shard=optional(data, "shard", str, where),
            rounds=tuple(int(r) for r in rounds),
        )


@dataclass(frozen=True, slots=True)
class HostRatio:
    """A ratio on one host's rounds alone: the paired estimate, its interval with 2 pairs."""

    host: str
    pairs: int
    ratio: float
    ci: StatedInterval | None

    def to_dict(self) -> JsonObject:
        return {
            "host": self.host,
            "pairs": self.pairs,
            "ratio": self.ratio,
            "ci": None if self.ci is None else self.ci.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> HostRatio:
        return cls(
            host=required(data, "host", str, where),
            pairs=required(data, "pairs", int, where),
            ratio=required(data, "ratio", NUMBER, where),
            ci=stated_interval(data, "ci", where),
        )


@dataclass(frozen=True, slots=True)
class HostAgreement:
    """One ratio across hosts: each host's, and the one-way test of their agreement (all
    None when the rounds cannot tell: fewer than 2 hosts, or no host with 2 rounds).

    `sd_between` is the hosts' spread of the log ratio (0.1: about 10%), with its interval
    `sd_between_low`..`sd_between_high` at `level`; `sd_within` the rounds' own spread."""

    scenario: str
    connections: int
    numerator: str
    denominator: str
    hosts: tuple[HostRatio, ...]
    f: float | None = None
    df: tuple[int, int] | None = None
    p_value: float | None = None
    sd_between: float | None = None
    sd_between_low: float | None = None
    sd_between_high: float | None = None
    sd_within: float | None = None
    level: float | None = None

    @property
    def label(self) -> str:
        return f"{self.scenario} @{self.connections}: {self.numerator} / {self.denominator}"

    def to_dict(self) -> JsonObject:
        return {
            "scenario": self.scenario,
            "connections": self.connections,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "hosts": [host.to_dict() for host in self.hosts],
            "f": self.f,
            "df": None if self.df is None else list(self.df),
            "p_value": self.p_value,
            "sd_between": self.sd_between,
            "sd_between_low": self.sd_between_low,
            "sd_between_high": self.sd_between_high,
            "sd_within": self.sd_within,
            "level": self.level,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> HostAgreement:
        df = optional(data, "df", list, where)

        def number(key: str) -> float | None:
            value: float | None = optional(data, key, NUMBER, where)
            return value

        return cls(
            scenario=required(data, "scenario", str, where),
            connections=required(data, "connections", int, where),
            numerator=required(data, "numerator", str, where),
            denominator=required(data, "denominator", str, where),
            hosts=tuple(
                HostRatio.from_dict(item, f"{where}.hosts[{n}]")
                for n, item in enumerate(objects(data, "hosts", where))
            ),
            f=number("f"),
            df=None if df is None else (int(df[0]), int(df[1])),
            p_value=number("p_value"),
            sd_between=number("sd_between"),
            sd_between_low=number("sd_between_low"),
            sd_between_high=number("sd_between_high"),
            sd_within=number("sd_within"),
            level=number("level"),
        )


@dataclass(frozen=True, slots=True)
class Hosts:
    """A merged run's hosts and each ratio's agreement across them."""

    method: str
    groups: tuple[HostGroup, ...]
    ratios: tuple[HostAgreement, ...]

    def to_dict(self) -> JsonObject:
        return {
            "method": self.method,
            "groups": [group.to_dict() for group in self.groups],
            "ratios": [ratio.to_dict() for ratio in self.ratios],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Hosts:
        where = HOSTS_KEY
        return cls(
            method=required(data, "method", str, where),
            groups=tuple(
                HostGroup.from_dict(item, f"{where}.groups[{n}]")
                for n, item in enumerate(objects(data, "groups", where))
            ),
            ratios=tuple(
                HostAgreement.from_dict(item, f"{where}.ratios[{n}]")
                for n, item in enumerate(objects(data, "ratios", where))
            ),
        )
