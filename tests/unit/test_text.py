"""The lab's wording of numbers, counts and durations, shared by every output."""

from __future__ import annotations

import pytest

from lab.text import (
    DASH,
    UNKNOWN,
    cpus_text,
    format_cpu_ms,
    format_duration,
    format_latency,
    format_level,
    format_mib,
    format_rate,
    format_ratio,
    format_ratio_interval,
    numbered,
    percent,
    plural,
)


@pytest.mark.parametrize(
    ("us", "text"),
    [
        (None, DASH),
        (80, "80 µs"),
        (999.4, "999 µs"),
        (999.6, "1.0 ms"),
        (6000, "6.0 ms"),
        (6123.5, "6.1 ms"),
        (99_940, "99.9 ms"),
        (99_960, "100 ms"),
        (250_000, "250 ms"),
        (999_600, "1.0 s"),
        (1_200_000, "1.2 s"),
        (12_300_000, "12 s"),
    ],
)
def test_latency_in_human_units(us: float | None, text: str) -> None:
    assert format_latency(us) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, DASH), (29990.198, "29,990"), (1234567.0, "1,234,567"), (99.5, "100"), (45.66, "45.7")],
)
def test_rates(value: float | None, text: str) -> None:
    assert format_rate(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(5.43, "5.4"), (0.871, "0.87"), (1.954, "1.95"), (2.04, "2.0"), (12.0, "12.0")],
)
def test_ratios(value: float, text: str) -> None:
    assert format_ratio(value) == text


def test_a_ratio_interval_has_as_many_decimals_as_its_ratio() -> None:
    assert format_ratio_interval((0.77, 1.1), 0.98) == f"0.77{DASH}1.10"
    assert format_ratio_interval((4.46, 5.61), 5.0) == f"4.5{DASH}5.6"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s"), (44.4, "44 s"), (59.6, "1 min 0 s"), (330, "5 min 30 s"), (-3, "0 s")],
)
def test_durations_read_the_same_everywhere(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_counts_and_shares() -> None:
    assert plural(1, "trial") == "1 trial"
    assert plural(1200, "trial") == "1,200 trials"
    assert plural(2, "CPU", "CPUs") == "2 CPUs"
    assert numbered("trial", [3]) == "trial 3"
    assert numbered("CPU", [0, 1]) == "CPUs 0, 1"
    assert percent(0.256) == "26%"
    assert cpus_text(0.5) == "0.5 CPU"
    assert cpus_text(2) == "2 CPUs"


def test_a_level_is_never_rounded_up_to_one_it_does_not_reach() -> None:
    assert [format_level(x) for x in (0.95, 0.75, 0.9375, 0.875, 0.9496, 0.5)] == [
        "95%",
        "75%",
        "93.7%",
        "87.5%",
        "94.9%",
        "50%",
    ]


def test_cpu_milliseconds_keep_three_significant_digits() -> None:
    assert [format_cpu_ms(v) for v in (0.2, 0.37422, 1.25, 12.5, 150.4, None)] == [
        "0.200",
        "0.374",
        "1.25",
        "12.5",
        "150",
        UNKNOWN,
    ]


def test_mebibytes_are_whole_from_ten_on() -> None:
    assert [format_mib(v) for v in (7.54, 64.4, 1536.0, None)] == ["7.5", "64", "1,536", UNKNOWN]
