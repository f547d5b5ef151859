"""Open mode's results: latency against offered load per app, the knee, and findings.

Percentiles of a rate are read from ONE histogram, the merge of its points' histograms
(each point's generator output holds its whole histogram): averaging percentiles across
trials would be wrong. A rate keeps the promise when every point at it is valid and the
merged p99 is at most the SLO; the knee is the highest rate below the first that does not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import median

from lab.measure.histogram import merge, percentiles
from lab.measure.openjson import OpenResult
from lab.results.findings import Finding
from lab.results.openrecords import OpenPoint, OpenSweep
from lab.results.reader import RunData
from lab.text import format_rate

# A rate above this share of the generator's own ceiling may measure the generator.
GENERATOR_CEILING_FRACTION = 0.5


@dataclass(frozen=True, slots=True)
class RateRow:
    """One app x scenario at one offered rate, over its sweeps."""

    app: str
    scenario: str
    position: int
    rate_label: str
    rate_rps: float | None
    points: int  # measured (valid or not)
    valid: int
    failed: int
    reasons: tuple[str, ...]  # why points were invalid or failed, each once
    achieved_rps: float | None  # median over the measured points
    latency_us: Mapping[str, int] | None  # merged: p50 ... p99_99 and max
    requests: int  # latencies in the merged histogram

    @property
    def all_valid(self) -> bool:
        return self.valid > 0 and self.valid == self.points and not self.failed

    def keeps(self, slo_ms: float) -> bool:
        return (
            self.all_valid
            and self.latency_us is not None
            and self.latency_us["p99"] <= slo_ms * 1000
        )


@dataclass(frozen=True, slots=True)
class Knee:
    """The highest offered rate at which an app kept p99 within the SLO, and what broke
    the promise at the next rate (None when every rate kept it)."""

    app: str
    scenario: str
    rate_label: str | None  # None: not even the lowest rate kept it
    rate_rps: float | None
    broken_at: str | None
    why: str | None


@dataclass(frozen=True, slots=True)
class OpenSummary:
    apps: tuple[str, ...]
    scenarios: tuple[str, ...]
    rows: tuple[RateRow, ...]
    knees: tuple[Knee, ...]
    slo_ms: float

    def rows_for(self, app: str, scenario: str) -> list[RateRow]:
        return [row for row in self.rows if row.app == app and row.scenario == scenario]

    def knee(self, app: str, scenario: str) -> Knee | None:
        return next((k for k in self.knees if k.app == app and k.scenario == scenario), None)


def open_summary(data: RunData) -> OpenSummary | None:
    """The run's open-loop results, or None for a closed-loop run."""
    if not data.sweeps and data.parameters.get("mode") != "open":
        return None
    slo = data.parameters.get("slo_ms")
    apps = [str(app) for app in data.parameters.get("apps") or data.apps]
    scenarios = [str(s) for s in data.parameters.get("scenarios") or ()]
    return summarize_open(
        data.sweeps, apps, scenarios, float(slo) if isinstance(slo, int | float) else 100.0
    )


def summarize_open(
    sweeps: Sequence[OpenSweep], apps: Sequence[str], scenarios: Sequence[str], slo_ms: float
) -> OpenSummary:
    rows: list[RateRow] = []
    knees: list[Knee] = []
    for scenario in scenarios:
        for app in apps:
            mine = [s for s in sweeps if s.app == app and s.scenario == scenario]
            by_position: dict[int, list[OpenPoint]] = {}
            for sweep in mine:
                for point in sweep.points:
                    by_position.setdefault(point.position, []).append(point)
            app_rows = [_row(app, scenario, points) for _, points in sorted(by_position.items())]
            rows += app_rows
            if app_rows:
                knees.append(knee(app, scenario, app_rows, slo_ms))
    return OpenSummary(tuple(apps), tuple(scenarios), tuple(rows), tuple(knees), slo_ms)


def _row(app: str, scenario: str, points: Sequence[OpenPoint]) -> RateRow:
    measured: list[tuple[OpenPoint, OpenResult]] = []
    for point in points:
        result = point.result
        if point.status != "failed" and result is not None:
            measured.append((point, result))
    merged = merge(result.latency for _, result in measured)
    reasons = [point.reason for point in points if point.reason]
    first = points[0]
    return RateRow(
        app=app,
        scenario=scenario,
        position=first.position,
        rate_label=first.rate_label,
        rate_rps=_median([p.rate_rps for p in points if p.rate_rps is not None]),
        points=len(measured),
        valid=sum(1 for point, _ in measured if point.status == "ok"),
        failed=len(points) - len(measured),
        reasons=tuple(dict.fromkeys(reasons)),
        achieved_rps=_median([result.achieved_rps for _, result in measured]),
        latency_us=percentiles(merged) if merged.total else None,
        requests=merged.total,
    )


def _median(values: Sequence[float]) -> float | None:
    return median(values) if values else None


def knee(app: str, scenario: str, rows: Sequence[RateRow], slo_ms: float) -> Knee:
    """The last rate, lowest first, before the first one that does not keep the promise."""
    kept: RateRow | None = None
    for row in sorted(rows, key=lambda r: r.position):
        if not row.keeps(slo_ms):
            return Knee(
                app,
                scenario,
                kept.rate_label if kept else None,
                kept.rate_rps if kept else None,
                row.rate_label,
                _broken(row, slo_ms),
            )
        kept = row
    assert kept is not None
    return Knee(app, scenario, kept.rate_label, kept.rate_rps, None, None)


def _broken(row: RateRow, slo_ms: float) -> str:
    if not row.points:
        return "no point measured: " + ("; ".join(row.reasons) or "no sweep reached it")
    if not row.all_valid:
        return "invalid: " + "; ".join(row.reasons)
    assert row.latency_us is not None
    return f"p99 {row.latency_us['p99'] / 1000:,.1f} ms > {slo_ms:g} ms"


def open_findings(
    summary: OpenSummary, generator_ceiling_rps: float | None, connections: int
) -> list[Finding]:
    """What the open-loop points say about their own measurement."""
    findings: list[Finding] = []
    for row in summary.rows:
        cell = {"app": row.app, "scenario": row.scenario, "connections": connections}
        if row.points and not row.all_valid:
            findings.append(
                Finding(
                    "warning",
                    "open-point-invalid",
                    f"{row.app} {row.scenario} at {row.rate_label}"
                    f" ({_rate(row.rate_rps)}): {row.points - row.valid} of {row.points}"
                    f" points invalid ({'; '.join(row.reasons)})",
                    "past the app's capacity this is the answer (it cannot take that load);"
                    " below it, see the reason, and read the latencies of that rate as a lower"
                    " bound",
                    cell,
                )
            )
        if row.failed:
            findings.append(
                Finding(
                    "error",
                    "open-point-failed",
                    f"{row.app} {row.scenario} at {row.rate_label}: {row.failed} points not"
                    f" measured ({'; '.join(row.reasons)})",
                    "see the sweep's file under open/ for the app's log",
                    cell,
                )
            )
    if generator_ceiling_rps is not None:
        high = [
            row
            for row in summary.rows
            if row.rate_rps is not None
            and row.rate_rps > GENERATOR_CEILING_FRACTION * generator_ceiling_rps
        ]
        if high:
            shown = ", ".join(
                f"{row.app} {row.scenario} {row.rate_label} ({_rate(row.rate_rps)})" for row in high
            )
            findings.append(
                Finding(
                    "warning",
                    "open-rate-near-generator-ceiling",
                    f"{len(high)} offered rates are above half the generator's own open-loop"
                    f" ceiling of {format_rate(generator_ceiling_rps)} req/s: {shown}",
                    "their latencies may include the generator's; give the generator more CPUs"
                    " (--cpus wrk=N) or offer lower rates",
                )
            )
    return findings


def _rate(rps: float | None) -> str:
    return f"{format_rate(rps)} req/s" if rps is not None else "no rate"


def knee_line(k: Knee, slo_ms: float) -> str:
    """One sentence per app x scenario: where it stops keeping p99 within the SLO."""
    where = f"{k.app} {k.scenario}"
    if k.rate_label is None:
        return (
            f"{where}: p99 within {slo_ms:g} ms at none of the rates offered"
            f" (at {k.broken_at}: {k.why})"
        )
    shown = f"{k.rate_label} ({_rate(k.rate_rps)})"
    if k.broken_at is None:
        return f"{where}: p99 within {slo_ms:g} ms at every rate offered, up to {shown}"
    return f"{where}: knee at {shown}; at {k.broken_at}: {k.why}"


def generator_ceiling(data: Mapping[str, object] | None) -> float | None:
    """The generator's ceiling in run.json's open_ceiling section, if it was measured."""
    if not data:
        return None
    value = data.get("rps")
    return float(value) if isinstance(value, int | float) and value > 0 else None
