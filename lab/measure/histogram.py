"""The open-loop generator's latency histogram: its bucket layout, merging, percentiles.

The layout is HDR's log-linear one with 11 significant bits, shared with the generator's C
source (images/openload/openload.c, `bucket_of`): values (microseconds) below 2,048 have a
bucket each; above, every power of two is cut into 1,024 equal buckets, so a bucket's
width is at most 1/1,024 of its values (three significant digits). Buckets of the same
layout add up, which is what makes percentiles of several trials honest: the trials'
histograms are merged, then read, never their percentiles averaged.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

SIGNIFICANT_BITS = 11
_LINEAR = 1 << SIGNIFICANT_BITS  # 2048: below this, one bucket per microsecond
_HALF = _LINEAR >> 1  # 1024 buckets per power of two above it

# The percentiles the lab reports for an open-loop point, as labels and fractions.
PERCENTILES: tuple[tuple[str, float], ...] = (
    ("p50", 50.0),
    ("p90", 90.0),
    ("p99", 99.0),
    ("p99_9", 99.9),
    ("p99_99", 99.99),
)


def bucket_of(value_us: int) -> int:
    """The bucket a whole number of microseconds falls in."""
    if value_us < 0:
        raise ValueError(f"negative latency {value_us}")
    if value_us < _LINEAR:
        return value_us
    shift = value_us.bit_length() - SIGNIFICANT_BITS
    return shift * _HALF + (value_us >> shift)


def bucket_bounds(index: int) -> tuple[int, int]:
    """The lowest and highest value (microseconds) bucket `index` holds."""
    if index < 0:
        raise ValueError(f"negative bucket {index}")
    if index < _LINEAR:
        return index, index
    shift = (index >> (SIGNIFICANT_BITS - 1)) - 1
    low = (index - shift * _HALF) << shift
    return low, low + (1 << shift) - 1


@dataclass(frozen=True, slots=True)
class Histogram:
    """Counts per bucket (only the non-empty ones), and the exact extremes."""

    counts: Mapping[int, int]
    min_us: int
    max_us: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def percentile(self, percent: float) -> int:
        """The highest value of the bucket that holds the `percent`-th value (HDR's
        rule: never lower than the true percentile, at most one bucket above it).
        The 100th is the exact maximum."""
        total = self.total
        if total == 0:
            raise ValueError("no values in the histogram")
        if not 0 < percent <= 100:
            raise ValueError(f"percentile {percent} is not in (0, 100]")
        if percent == 100:
            return self.max_us
        # The rank of the value: ceil(percent% of total), at least the first value.
        rank = max(1, -(-round(percent * total * 1_000_000) // 100_000_000))
        seen = 0
        for index in sorted(self.counts):
            seen += self.counts[index]
            if seen >= rank:
                return min(bucket_bounds(index)[1], self.max_us)
        return self.max_us

    def to_dict(self) -> dict[str, object]:
        return {
            "min": self.min_us,
            "max": self.max_us,
            "buckets": [[index, self.counts[index]] for index in sorted(self.counts)],
        }


def histogram_from(data: Mapping[str, object]) -> Histogram:
    """The generator's `latency_us` object (min, max, buckets as [index, count] pairs).

    Raises ValueError naming the first problem found.
    """
    buckets = data.get("buckets")
    if not isinstance(buckets, list):
        raise ValueError("'buckets' is not a list")
    counts: Counter[int] = Counter()
    for pair in buckets:
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in pair)
        ):
            raise ValueError(f"bucket {pair!r} is not a pair of non-negative integers")
        counts[pair[0]] += pair[1]
    low, high = data.get("min"), data.get("max")
    if not all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in (low, high)):
        raise ValueError(f"'min' and 'max' are not non-negative integers: {low!r}, {high!r}")
    assert isinstance(low, int) and isinstance(high, int)
    return Histogram({i: n for i, n in counts.items() if n}, low, high)


def merge(histograms: Iterable[Histogram]) -> Histogram:
    """One histogram of every value of the given ones (an empty one if none has values)."""
    counts: Counter[int] = Counter()
    lows: list[int] = []
    highs: list[int] = []
    for histogram in histograms:
        if histogram.total == 0:
            continue
        counts.update(histogram.counts)
        lows.append(histogram.min_us)
        highs.append(histogram.max_us)
    return Histogram(dict(counts), min(lows, default=0), max(highs, default=0))


def from_values(values_us: Sequence[int]) -> Histogram:
    """A histogram of known values: what the generator would have printed for them."""
    counts = Counter(bucket_of(value) for value in values_us)
    return Histogram(dict(counts), min(values_us, default=0), max(values_us, default=0))


def percentiles(histogram: Histogram) -> dict[str, int]:
    """p50 … p99.99 and max, in microseconds, from one (merged) histogram."""
    figures = {label: histogram.percentile(percent) for label, percent in PERCENTILES}
    figures["max"] = histogram.max_us
    return figures
