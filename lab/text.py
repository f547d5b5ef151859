"""Numbers and counts as the lab writes them, in the terminal, the report and findings alike.

Plain strings only (no rich): the pure checks and the renderers share them.
"""

from __future__ import annotations

from collections.abc import Sequence

DASH = "\N{EN DASH}"
TIMES = "\N{MULTIPLICATION SIGN}"
# A statistic that was not measured, or not recorded in an older file.
UNKNOWN = DASH


def format_latency(us: float | None) -> str:
    """Microseconds in the unit a reader expects: "850 µs", "6.0 ms", "250 ms", "1.2 s"."""
    if us is None:
        return UNKNOWN
    if us < 999.5:
        return f"{us:.0f} µs"
    ms = us / 1000
    if ms < 99.95:
        return f"{ms:.1f} ms"
    if ms < 999.5:
        return f"{ms:.0f} ms"
    seconds = ms / 1000
    return f"{seconds:.1f} s" if seconds < 9.95 else f"{seconds:.0f} s"


def format_rate(value: float | None) -> str:
    """Requests per second: whole numbers with separators once they are large."""
    if value is None:
        return UNKNOWN
    if value >= 99.5:
        return f"{value:,.0f}"
    return f"{value:.1f}"


def _ratio_digits(value: float) -> int:
    # Near 1x the second decimal is the news (A/A runs, small regressions); above 2x it is noise.
    return 2 if value < 2 else 1


def format_ratio(value: float) -> str:
    return f"{value:.{_ratio_digits(value)}f}"


def format_ratio_interval(ci: Sequence[float], ratio: float) -> str:
    """A ratio's interval, both ends with as many decimals as the ratio has."""
    digits = _ratio_digits(ratio)
    return f"{ci[0]:.{digits}f}{DASH}{ci[1]:.{digits}f}"


def format_level(level: float) -> str:
    """A confidence level as a reader should see it: "95%", "87.5%", "93.8%", never rounded up
    to a level the interval does not reach (a 94.96% is "94.9%", not "95%")."""
    tenths = int(level * 1000 + 1e-9) / 10
    return f"{tenths:.1f}".removesuffix(".0") + "%"


def format_rate_interval(low: float, high: float, level: float) -> str:
    """A req/s interval with its achieved level: "38,000-42,100 (93.7%)" (an en dash)."""
    return f"{format_rate(low)}{DASH}{format_rate(high)} ({format_level(level)})"


def format_duration(seconds: float) -> str:
    """120.4 -> "2 min 0 s", 45 -> "45 s"."""
    minutes, rest = divmod(max(0, round(seconds)), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """ "1 trial", "3 trials"."""
    return f"{count:,} {noun if count == 1 else nouns or noun + 's'}"


def numbered(noun: str, numbers: Sequence[int]) -> str:
    """ "trial 3", "CPUs 0, 1": the noun, plural for more than one, then the numbers."""
    return f"{noun if len(numbers) == 1 else noun + 's'} {', '.join(map(str, numbers))}"


def percent(fraction: float) -> str:
    return f"{fraction * 100:.0f}%"


def cpus_text(cpus: float) -> str:
    """ "1 CPU", "0.5 CPU", "2 CPUs"."""
    return f"{cpus:g} CPU" if cpus <= 1 else f"{cpus:g} CPUs"


def format_cpu_ms(ms: float | None) -> str:
    """CPU milliseconds per request with three significant digits, trailing zeros kept so
    that a figure and its interval read alike: "0.374", "0.200", "12.5"."""
    if ms is None:
        return UNKNOWN
    return f"{ms:#.3g}".rstrip(".") if ms < 100 else f"{ms:,.0f}"


def format_mib(mib: float | None) -> str:
    """Mebibytes, whole from 10 on ("121", "1,024"), else with a decimal ("7.5")."""
    if mib is None:
        return UNKNOWN
    return f"{mib:.1f}" if mib < 9.95 else f"{mib:,.0f}"
