"""`lab compare` on two open-loop runs: the knee and the tail at each rate, side by side.

Descriptive, not a test: each run's percentiles come from the merged histogram of its
sweeps, and requests within a sweep are not independent samples (a stall delays a run of
them together), so no interval is claimed. The rates are matched by how they were asked
(50% is of each run's own closed-loop throughput), and both offered req/s are shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from lab.analysis.openload import OpenSummary, RateRow
from lab.text import DASH, format_latency, format_rate


@dataclass(frozen=True, slots=True)
class OpenRowPair:
    app: str
    scenario: str
    rate_label: str
    a: RateRow
    b: RateRow

    @property
    def p99_change_pct(self) -> float | None:
        if not self.a.latency_us or not self.b.latency_us or not self.a.latency_us["p99"]:
            return None
        return 100.0 * (self.b.latency_us["p99"] / self.a.latency_us["p99"] - 1)


def pair_rows(a: OpenSummary, b: OpenSummary) -> list[OpenRowPair]:
    rows_b = {(r.app, r.scenario, r.rate_label): r for r in b.rows}
    return [
        OpenRowPair(row.app, row.scenario, row.rate_label, row, rows_b[key])
        for row in a.rows
        if (key := (row.app, row.scenario, row.rate_label)) in rows_b
    ]


def open_comparison_lines(a: OpenSummary, b: OpenSummary) -> list[str]:
    pairs = pair_rows(a, b)
    if not pairs:
        return ["open loop: no app, scenario and rate in both runs"]
    lines = [
        "open loop: p99 at each offered rate (A -> B), from each run's merged histogram;"
        " descriptive, no interval",
    ]
    for pair in pairs:
        change = pair.p99_change_pct
        shown = f"{change:+.0f}%" if change is not None else DASH
        lines.append(
            f"  {pair.app} {pair.scenario} {pair.rate_label}"
            f" ({_rate(pair.a.rate_rps)} -> {_rate(pair.b.rate_rps)} req/s):"
            f" p99 {_p99(pair.a)} -> {_p99(pair.b)} ({shown})"
            + ("" if pair.a.all_valid and pair.b.all_valid else ", a point invalid")
        )
    for knee_a in a.knees:
        knee_b = b.knee(knee_a.app, knee_a.scenario)
        if knee_b is None:
            continue
        lines.append(
            f"  knee {knee_a.app} {knee_a.scenario} (p99 <= {a.slo_ms:g} ms):"
            f" {_knee(knee_a.rate_label, knee_a.rate_rps)} -> "
            f"{_knee(knee_b.rate_label, knee_b.rate_rps)}"
        )
    return lines


def open_comparison_json(a: OpenSummary, b: OpenSummary) -> list[dict[str, object]]:
    return [
        {
            "app": p.app,
            "scenario": p.scenario,
            "rate": p.rate_label,
            "rate_rps": [p.a.rate_rps, p.b.rate_rps],
            "p99_us": [_p99_us(p.a), _p99_us(p.b)],
            "valid": [p.a.all_valid, p.b.all_valid],
            "p99_change_pct": p.p99_change_pct,
        }
        for p in pair_rows(a, b)
    ]


def _p99_us(row: RateRow) -> int | None:
    return row.latency_us["p99"] if row.latency_us else None


def _p99(row: RateRow) -> str:
    return format_latency(_p99_us(row))


def _rate(value: float | None) -> str:
    return format_rate(value) if value is not None else DASH


def _knee(label: str | None, rps: float | None) -> str:
    return "none" if label is None else f"{label} ({_rate(rps)} req/s)"
