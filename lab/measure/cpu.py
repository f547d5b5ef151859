"""CPU use of a container over the measured window, from two readings of its counters.

The counters are cumulative, so the difference between a reading taken just before the
window and one taken just after is what the window cost. They are read from the
container's cgroup files when the engine runs on this host (measure_cpu_between), else
from two of the engine's stats snapshots (measure_cpu), which carry the same counters
but come about a second after they are asked for. Knowing whether
the load generator or Redis ran out of CPU is what tells a server's limit from the
lab's, so throttling is kept beside the share.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import astuple, dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from lab.measure.hostcpu import ContainerCpu

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NS_PER_S = 1_000_000_000

# RFC 3339 as Docker writes it: up to nine fraction digits, which datetime cannot hold.
_TIMESTAMP = re.compile(
    r"(?P<whole>\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2})"
    r"(?:\.(?P<fraction>\d{1,9}))?"
    r"(?P<zone>[Zz]|[+-]\d{2}:\d{2})"
)


@dataclass(frozen=True, slots=True)
class CpuUse:
    """What one container used during the window.

    `share` is `used_s / (basis_s * cpus)`: 1.0 means the whole allotment was busy.
    `basis_s` is the load's own duration when the caller gives it, else the snapshots'
    window: the engine takes a sample about a second after it is asked, so the window
    straddles the load with idle time that would otherwise dilute the share.
    """

    cpus: float
    used_s: float
    window_s: float
    share: float
    periods: int
    throttled_periods: int
    throttled_s: float
    basis_s: float | None = None

    def to_dict(self) -> dict[str, float | int | None]:
        return {
            "cpus": self.cpus,
            "used_s": self.used_s,
            "window_s": self.window_s,
            "share": self.share,
            "periods": self.periods,
            "throttled_periods": self.throttled_periods,
            "throttled_s": self.throttled_s,
            "basis_s": self.basis_s,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CpuUse:
        """Inverse of to_dict; raises ValueError naming a missing or mistyped key."""

        def number(key: str) -> float:
            value = data.get(key)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"CPU use: key {key!r} is missing or not a number: {value!r}")
            return float(value)

        def count(key: str) -> int:
            value = data.get(key)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"CPU use: key {key!r} is missing or not an integer: {value!r}")
            return value

        return cls(
            cpus=number("cpus"),
            used_s=number("used_s"),
            window_s=number("window_s"),
            share=number("share"),
            periods=count("periods"),
            throttled_periods=count("throttled_periods"),
            throttled_s=number("throttled_s"),
            basis_s=number("basis_s") if data.get("basis_s") is not None else None,
        )


@dataclass(frozen=True, slots=True)
class CpuMeasurement:
    """The CPU use, or why it is unknown (exactly one of the two is set)."""

    use: CpuUse | None
    reason: str | None


def cpu_use(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    allotted_cpus: float,
    load_s: float | None = None,
) -> CpuUse | None:
    """CPU use between two snapshots, or None when they cannot tell (see measure_cpu)."""
    return measure_cpu(before, after, allotted_cpus, load_s).use


def measure_cpu(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    allotted_cpus: float,
    load_s: float | None = None,
) -> CpuMeasurement:
    """Like cpu_use, but says why the use is unknown instead of only returning None.

    Snapshots are data from outside, so gaps in them are reported, never raised;
    a non-positive `allotted_cpus` is the caller's bug and raises ValueError.
    """
    if not allotted_cpus > 0:
        raise ValueError(f"allotted_cpus must be positive, got {allotted_cpus!r}")
    try:
        first = _Snapshot.read(before, "before")
        last = _Snapshot.read(after, "after")
    except _Unusable as exc:
        return CpuMeasurement(use=None, reason=str(exc))

    window_ns = last.read_ns - first.read_ns
    if window_ns <= 0:
        return CpuMeasurement(
            use=None,
            reason=f"non-positive window: 'read' advanced by {window_ns / _NS_PER_S} s",
        )
    return _use_over(
        first.counters,
        last.counters,
        _STATS_NAMES,
        window_s=window_ns / _NS_PER_S,
        units_per_s=_NS_PER_S,
        allotted_cpus=allotted_cpus,
        load_s=load_s,
    )


def measure_cpu_between(
    before: ContainerCpu,
    after: ContainerCpu,
    window_s: float,
    allotted_cpus: float,
    load_s: float | None = None,
) -> CpuMeasurement:
    """Like measure_cpu, from two readings of the container's own cgroup files taken
    `window_s` apart: the counters the engine's stats API reports, without its delay."""
    if not allotted_cpus > 0:
        raise ValueError(f"allotted_cpus must be positive, got {allotted_cpus!r}")
    if before.throttling is None or after.throttling is None:
        return CpuMeasurement(use=None, reason="the cgroup keeps no throttling counters")
    if not window_s > 0:
        return CpuMeasurement(use=None, reason=f"non-positive window: {window_s} s")
    return _use_over(
        _Counters(before.total_s, *astuple(before.throttling)),
        _Counters(after.total_s, *astuple(after.throttling)),
        _CGROUP_NAMES,
        window_s=window_s,
        units_per_s=1,
        allotted_cpus=allotted_cpus,
        load_s=load_s,
    )


@dataclass(frozen=True, slots=True)
class _Counters:
    """One reading's cumulative counters, the two times in their source's own unit."""

    usage: float
    periods: int
    throttled_periods: int
    throttled_time: float


# Where the engine's stats keep each counter, and what the cgroup files call them: a
# counter that fell is named as its source names it.
_STATS_KEYS = {
    "usage": ("cpu_stats", "cpu_usage", "total_usage"),
    "periods": ("cpu_stats", "throttling_data", "periods"),
    "throttled_periods": ("cpu_stats", "throttling_data", "throttled_periods"),
    "throttled_time": ("cpu_stats", "throttling_data", "throttled_time"),
}
_STATS_NAMES = {field: ".".join(keys) for field, keys in _STATS_KEYS.items()}
_CGROUP_NAMES = {
    "usage": "usage",
    "periods": "nr_periods",
    "throttled_periods": "nr_throttled",
    "throttled_time": "throttled time",
}


def _use_over(
    first: _Counters,
    last: _Counters,
    names: Mapping[str, str],
    window_s: float,
    units_per_s: float,
    allotted_cpus: float,
    load_s: float | None,
) -> CpuMeasurement:
    """The use between two readings; `units_per_s` turns their times into seconds."""
    spent = _Counters(*(b - a for a, b in zip(astuple(first), astuple(last), strict=True)))
    for field in fields(_Counters):
        delta = getattr(spent, field.name)
        if delta < 0:
            # A cumulative counter only falls when the container restarted in between.
            return CpuMeasurement(
                use=None, reason=f"{names[field.name]} went backwards by {-delta}"
            )
    basis_s = min(load_s, window_s) if load_s and load_s > 0 else window_s
    used_s = spent.usage / units_per_s
    use = CpuUse(
        cpus=float(allotted_cpus),
        used_s=used_s,
        window_s=window_s,
        share=used_s / (basis_s * allotted_cpus),
        periods=spent.periods,
        throttled_periods=spent.throttled_periods,
        throttled_s=spent.throttled_time / units_per_s,
        basis_s=basis_s,
    )
    return CpuMeasurement(use=use, reason=None)


def parse_docker_timestamp(text: str) -> float:
    """Seconds since the epoch of an RFC 3339 timestamp such as Docker's `read`.

    A float near 1.8e9 resolves only about 0.2 µs; subtract parse_docker_timestamp_ns
    values instead when nanoseconds matter.
    """
    return parse_docker_timestamp_ns(text) / _NS_PER_S


def parse_docker_timestamp_ns(text: str) -> int:
    """Integer nanoseconds since the epoch, keeping all nine fraction digits.

    Raises ValueError when `text` is not an RFC 3339 timestamp with a zone.
    """
    match = _TIMESTAMP.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not an RFC 3339 timestamp: {text!r}")
    zone = match["zone"].upper()
    try:
        whole = datetime.fromisoformat(match["whole"].replace("t", "T") + zone)
    except ValueError as exc:
        raise ValueError(f"not an RFC 3339 timestamp: {text!r} ({exc})") from exc
    seconds = (whole - _EPOCH) // timedelta(seconds=1)
    fraction_ns = int((match["fraction"] or "0").ljust(9, "0"))
    return seconds * _NS_PER_S + fraction_ns


class _Unusable(Exception):
    """A snapshot lacks what the computation needs; the message says what."""


@dataclass(frozen=True, slots=True)
class _Snapshot:
    read_ns: int
    counters: _Counters

    @classmethod
    def read(cls, stats: Mapping[str, Any], which: str) -> _Snapshot:
        text = stats.get("read")
        if not isinstance(text, str):
            raise _Unusable(f"{which} snapshot: missing or non-string key 'read'")
        try:
            read_ns = parse_docker_timestamp_ns(text)
        except ValueError as exc:
            raise _Unusable(f"{which} snapshot: {exc}") from exc
        counts = {field: _counter(stats, keys, which) for field, keys in _STATS_KEYS.items()}
        return cls(read_ns, _Counters(**counts))


def _counter(stats: Mapping[str, Any], keys: tuple[str, ...], which: str) -> int:
    node: Any = stats
    for depth, key in enumerate(keys):
        if not isinstance(node, Mapping) or key not in node:
            path = ".".join(keys[: depth + 1])
            raise _Unusable(f"{which} snapshot: missing key {path!r}")
        node = node[key]
    if isinstance(node, bool) or not isinstance(node, int) or node < 0:
        raise _Unusable(
            f"{which} snapshot: key {'.'.join(keys)!r} is not a non-negative integer: {node!r}"
        )
    return node
