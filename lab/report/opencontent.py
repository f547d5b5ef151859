"""Open mode's part of the report: the knee per app, the table per rate, the generator's
own ceiling, as plain strings that markdown, html and the terminal lay out alike."""

from __future__ import annotations

from dataclasses import dataclass

from lab.analysis.openload import (
    OpenSummary,
    RateRow,
    generator_ceiling,
    knee_line,
    open_findings,
    open_summary,
)
from lab.measure.openjson import MAX_LAG_P99_US, MIN_ACHIEVED
from lab.results.findings import Finding
from lab.results.reader import RunData
from lab.text import DASH, format_latency, format_rate

OPEN_COLUMNS = (
    "app",
    "scenario",
    "rate",
    "offered req/s",
    "achieved req/s",
    "p50",
    "p90",
    "p99",
    "p99.9",
    "p99.99",
    "max",
    "valid",
)
_PERCENTILES = ("p50", "p90", "p99", "p99_9", "p99_99", "max")


@dataclass(frozen=True, slots=True)
class OpenContent:
    summary: OpenSummary
    knees: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    ceiling: str
    method: str


def open_content(data: RunData) -> OpenContent | None:
    summary = open_summary(data)
    if summary is None:
        return None
    ceiling_rps = generator_ceiling(data.run.open_ceiling)
    held = data.run.open_ceiling or {}
    if ceiling_rps is None:
        ceiling = "not measured" if not held else f"not held at any rate ({held.get('reason')})"
    else:
        bound = "" if held.get("bounded") else " or more (the highest rate tried)"
        ceiling = f"{format_rate(ceiling_rps)} req/s{bound}, against {held.get('server')}"
    stall = data.parameters.get("inject_stall")
    method = (
        "Each app offered constant rates, lowest first, in one fresh container per sweep;"
        " latency is timed from each request's intended send time, so a stall is charged to"
        " every request it delays. Percentiles come from the merged histogram of the sweeps."
        f" A point is valid when at least {MIN_ACHIEVED:.0%} of its rate was achieved, no"
        " request was dropped or lost, and the generator's own p99 lag stayed under"
        f" {MAX_LAG_P99_US / 1000:g} ms."
        + (f" The app was paused {stall} during every measured window." if stall else "")
    )
    return OpenContent(
        summary=summary,
        knees=tuple(knee_line(k, summary.slo_ms) for k in summary.knees),
        rows=tuple(_row(row) for row in summary.rows),
        ceiling=ceiling,
        method=method,
    )


def _row(row: RateRow) -> tuple[str, ...]:
    figures = row.latency_us or {}
    valid = f"{row.valid}/{row.points + row.failed}"
    return (
        row.app,
        row.scenario,
        row.rate_label,
        format_rate(row.rate_rps) if row.rate_rps is not None else DASH,
        format_rate(row.achieved_rps) if row.achieved_rps is not None else DASH,
        *(format_latency(figures[key]) if key in figures else DASH for key in _PERCENTILES),
        valid if row.all_valid else f"{valid} (invalid)",
    )


def open_run_findings(data: RunData) -> list[Finding]:
    summary = open_summary(data)
    if summary is None:
        return []
    connections = max((sweep.connections for sweep in data.sweeps), default=0)
    return open_findings(summary, generator_ceiling(data.run.open_ceiling), connections)
