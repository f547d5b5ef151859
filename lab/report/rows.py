"""The comparison table as rows: apps side by side, a block per scenario and connections level.

The terminal (rich), report.md and report.html all render these rows, so what tests
check is what users see. Input is a Summary, possibly read back from disk, so every
statistic may be null and is shown as a dash then.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lab.model.cpurequest import CPU_ROLES
from lab.model.deployment import deployment_of
from lab.report.costrows import COST_LABELS, cost_column
from lab.results.summarydoc import Precision, Ratio, Summary, SummaryCell
from lab.text import (
    TIMES,
    UNKNOWN,
    format_latency,
    format_level,
    format_rate,
    format_rate_interval,
    format_ratio,
    format_ratio_interval,
)

ROW_LABELS = (
    "req/s (median)",
    "CI (level)",
    "CV",
    "latency p50",
    "p90",
    "p99",
    "p99.9",
    "errors",
    "CPU " + "/".join(CPU_ROLES),
    *COST_LABELS,
    "trials",
)


@dataclass(frozen=True, slots=True)
class _Block:
    scenario: str
    connections: int
    # One row per ROW_LABELS entry, one value per app.
    rows: tuple[tuple[str, ...], ...]

    @property
    def title(self) -> str:
        return level_title(self.scenario, self.connections)


def levels(summary: Summary) -> list[tuple[str, int]]:
    """Each scenario x connections level of a summary, in the order its cells first appear."""
    return summary.levels


def level_title(scenario: str, connections: int) -> str:
    return f"{scenario} @{connections} connections"


def summary_lines(summary: Summary) -> list[str]:
    """The same content as render_summary, as plain aligned text lines."""
    apps = table_apps(summary)
    lines: list[str] = []
    for block in blocks(summary, apps):
        grid = [("", *apps)] + [
            (label, *values) for label, values in zip(ROW_LABELS, block.rows, strict=True)
        ]
        widths = [max(len(row[column]) for row in grid) for column in range(len(apps) + 1)]
        lines.append(block.title)
        for row in grid:
            cells = [row[0].ljust(widths[0])]
            cells += [value.rjust(width) for value, width in zip(row[1:], widths[1:], strict=True)]
            lines.append(("  " + "  ".join(cells)).rstrip())
        lines.append("")
    return lines + ratio_lines(summary) if lines else ["no trials recorded"]


def deployment_lines(apps: Sequence[str], deployments: Mapping[str, str]) -> list[str]:
    """Which deployment each column is, a line per app: "flask: Flask · WSGI · gunicorn
    gevent"; nothing for an app without a known label (a run from before the lab kept
    its server)."""
    widest = max((len(app) for app in apps), default=0)
    return [
        f"{app + ':':<{widest + 1}} {label}"
        for app in apps
        if (label := deployment_of(deployments, app))
    ]


def table_apps(summary: Summary) -> list[str]:
    return list(summary.apps)


def blocks(summary: Summary, apps: Sequence[str]) -> list[_Block]:
    by_level: dict[tuple[str, int], dict[str, SummaryCell]] = {}
    for cell in summary.cells:
        by_level.setdefault(cell.level, {})[cell.app] = cell
    found = []
    for scenario, connections in levels(summary):
        columns = [_column(by_level[scenario, connections].get(app)) for app in apps]
        rows = tuple(zip(*columns, strict=True)) if columns else ((),) * len(ROW_LABELS)
        found.append(_Block(scenario, connections, rows))
    return found


def _column(cell: SummaryCell | None) -> tuple[str, ...]:
    """One app's values for ROW_LABELS, in order."""
    if cell is None:
        return (UNKNOWN,) * len(ROW_LABELS)
    ci, variation = cell.rps_ci, cell.cv
    latency = cell.latency_us or {}
    return (
        format_rate(cell.rps_median),
        UNKNOWN if ci is None else format_rate_interval(ci.low, ci.high, ci.level),
        UNKNOWN if variation is None else f"{variation * 100:.1f}%",
        *(format_latency(latency.get(p)) for p in ("p50", "p90", "p99", "p99_9")),
        UNKNOWN if cell.errors is None else f"{cell.errors['total']:,}",
        "/".join(_share(cell.share(role)) for role in CPU_ROLES),
        *cost_column(cell),
        _trials(cell),
    )


def _trials(cell: SummaryCell) -> str:
    """ "5", "4 ok, 1 failed", "5 (1 disturbed)": disturbed trials are in the figures."""
    text = f"{cell.trials}" if not cell.failed else f"{cell.trials} ok, {cell.failed} failed"
    if cell.host_disturbed:
        text += f" ({len(cell.host_disturbed)} disturbed)"
    return text


def _share(share: float | None) -> str:
    return UNKNOWN if share is None else f"{share * 100:.0f}%"


def ratio_caveat(summary: Summary, entry: Ratio) -> str:
    """Why a ratio must not stand as a headline on its own ('' when it may).

    A cell whose trials had errors or failures is marked `headline_ok: false` by the
    lab's checks; its ratio is still shown, never silently.
    """
    doubtful = [
        cell.app
        for cell in summary.cells
        if cell.headline_ok is False
        and cell.level == entry.level
        and cell.app in (entry.numerator, entry.denominator)
    ]
    if not doubtful:
        return ""
    return f" [{' and '.join(doubtful)} had errors or failed trials: see the findings]"


# How each way of stopping reads: the flag that bounded the run, or what ended it.
STOPPED_BY = {
    "max-repetitions": "stopped by --max-repetitions",
    "max-time": "stopped by --max-time",
    "interrupted": "the run was interrupted",
    "failed": "the run stopped on an error",
    "aborted": "the run was aborted (run.json says why)",
    "no-pilot": "a headline had fewer than 2 ok trials in the pilot rounds",
}


def precision_line(precision: Precision) -> str:
    """--target-ci's outcome in one line: reached, or the bound hit and what was reached."""
    p = precision
    widest = "" if p.widest is None else f"; widest: {p.widest}"
    if p.half_width_pct is not None:
        widest += f" ±{p.half_width_pct:.1f}%"
    rounds = f"after {p.rounds} {'round' if p.rounds == 1 else 'rounds'}"
    if p.reached:
        return f"precision: every 95% CI within ±{p.target_pct:g}%, {rounds}{widest}"
    why = STOPPED_BY.get(p.stopped_by, f"stopped ({p.stopped_by})")
    return f"precision: target ±{p.target_pct:g}% not reached, {why} {rounds}{widest}"


def blocked_note(entry: Ratio) -> str:
    """ ", paired over 5 rounds; 3.4-6.1 as independent trials": what blocking gained."""
    if not entry.pairs or entry.ratio is None:
        return ""
    note = f", paired over {entry.pairs} rounds"
    if entry.ci_unblocked is not None:
        unblocked = format_ratio_interval(entry.ci_unblocked.pair, entry.ratio)
        note += f"; {unblocked} as independent trials"
    return note


def ratio_lines(summary: Summary) -> list[str]:
    lines = []
    for entry in summary.ratios:
        head = f"{entry.scenario} @{entry.connections}: {entry.numerator} / {entry.denominator} = "
        ratio, ci = entry.ratio, entry.ci
        if ratio is None:
            lines.append(head + "n/a (no ok trials or zero req/s)")
        elif ci is None:
            lines.append(head + f"{format_ratio(ratio)}{TIMES}")
        else:
            interval = format_ratio_interval(ci.pair, ratio)
            lines.append(
                head + f"{format_ratio(ratio)}{TIMES} ({format_level(ci.level)} CI {interval}"
                f"{blocked_note(entry)})"
            )
        lines[-1] += ratio_caveat(summary, entry)
    if summary.precision is not None:
        lines.append(precision_line(summary.precision))
    return lines
