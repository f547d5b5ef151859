"""The terminal comparison: apps side by side, a block per scenario and connections level.

Both renderings (rich table and plain lines) read the same rows, so what tests check
is what users see. Input is summary.json content, possibly loaded back from disk, so
every statistic may be null and is shown as a dash then.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from lab.model.cpurequest import CPU_ROLES

DASH = "\N{EN DASH}"
TIMES = "\N{MULTIPLICATION SIGN}"
UNKNOWN = DASH
ROW_LABELS = (
    "req/s (median)",
    "95% CI",
    "CV",
    "latency p50",
    "p90",
    "p99",
    "p99.9",
    "errors",
    "CPU " + "/".join(CPU_ROLES),
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


def levels(summary: Mapping[str, Any]) -> list[tuple[str, int]]:
    """Each scenario x connections level of a summary, in the order its cells first appear."""
    cells = summary.get("cells") or []
    return list(dict.fromkeys((str(c["scenario"]), int(c["connections"])) for c in cells))


def level_title(scenario: str, connections: int) -> str:
    return f"{scenario} @{connections} connections"


def render_summary(summary: Mapping[str, Any], console: Console) -> None:
    """Print the comparison table, then one line per ratio."""
    apps = _apps(summary)
    found = blocks(summary, apps)
    if not found:
        console.print("no trials recorded")
        return
    table = Table(box=box.SIMPLE_HEAD, show_edge=False)
    table.add_column("")
    for app in apps:
        table.add_column(Text(app), justify="right")
    for number, block in enumerate(found):
        if number:
            table.add_section()
        table.add_row(Text(block.title, style="bold"), *([""] * len(apps)))
        for label, values in zip(ROW_LABELS, block.rows, strict=True):
            table.add_row(label, *values)
    console.print(table)
    for line in _ratio_lines(summary):
        # Text, not a markup string: app names are not rich markup.
        console.print(Text(line))


def summary_lines(summary: Mapping[str, Any]) -> list[str]:
    """The same content as render_summary, as plain aligned text lines."""
    apps = _apps(summary)
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
    return lines + _ratio_lines(summary) if lines else ["no trials recorded"]


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


def _apps(summary: Mapping[str, Any]) -> list[str]:
    listed = summary.get("apps")
    if isinstance(listed, list):
        return [str(app) for app in listed]
    return list(dict.fromkeys(str(cell["app"]) for cell in summary.get("cells", [])))


def blocks(summary: Mapping[str, Any], apps: Sequence[str]) -> list[_Block]:
    by_level: dict[tuple[str, int], dict[str, Mapping[str, Any]]] = {}
    for cell in summary.get("cells", []):
        by_level.setdefault((cell["scenario"], cell["connections"]), {})[cell["app"]] = cell
    found = []
    for scenario, connections in levels(summary):
        columns = [_column(by_level[scenario, connections].get(app)) for app in apps]
        rows = tuple(zip(*columns, strict=True)) if columns else ((),) * len(ROW_LABELS)
        found.append(_Block(scenario, connections, rows))
    return found


def _column(cell: Mapping[str, Any] | None) -> tuple[str, ...]:
    """One app's values for ROW_LABELS, in order."""
    if cell is None:
        return (UNKNOWN,) * len(ROW_LABELS)
    ci = cell.get("rps_ci95")
    variation = cell.get("cv")
    latency = cell.get("latency_us") or {}
    errors = cell.get("errors")
    cpu = cell.get("cpu") or {}
    trials, failed = cell.get("trials", 0), cell.get("failed", 0)
    return (
        format_rate(cell.get("rps_median")),
        UNKNOWN if ci is None else f"{format_rate(ci[0])}{DASH}{format_rate(ci[1])}",
        UNKNOWN if variation is None else f"{variation * 100:.1f}%",
        *(format_latency(latency.get(p)) for p in ("p50", "p90", "p99", "p99_9")),
        UNKNOWN if errors is None else f"{errors['total']:,}",
        "/".join(_share(cpu.get(role)) for role in CPU_ROLES),
        f"{trials}" if not failed else f"{trials} ok, {failed} failed",
    )


def _share(role: Mapping[str, Any] | None) -> str:
    if role is None or role.get("share") is None:
        return UNKNOWN
    return f"{role['share'] * 100:.0f}%"


def ratio_caveat(summary: Mapping[str, Any], entry: Mapping[str, Any]) -> str:
    """Why a ratio must not stand as a headline on its own ('' when it may).

    A cell whose trials had errors or failures is marked `headline_ok: false` by the
    lab's checks; its ratio is still shown, never silently.
    """
    doubtful = [
        cell["app"]
        for cell in summary.get("cells", [])
        if cell.get("headline_ok") is False
        and cell["scenario"] == entry["scenario"]
        and cell["connections"] == entry["connections"]
        and cell["app"] in (entry["numerator"], entry["denominator"])
    ]
    if not doubtful:
        return ""
    return f" [{' and '.join(doubtful)} had errors or failed trials: see the findings]"


def _ratio_lines(summary: Mapping[str, Any]) -> list[str]:
    lines = []
    for entry in summary.get("ratios", []):
        head = (
            f"{entry['scenario']} @{entry['connections']}:"
            f" {entry['numerator']} / {entry['denominator']} = "
        )
        ratio, ci = entry.get("ratio"), entry.get("ci95")
        if ratio is None:
            lines.append(head + "n/a (no ok trials or zero req/s)")
        elif ci is None:
            lines.append(head + f"{format_ratio(ratio)}{TIMES}")
        else:
            interval = format_ratio_interval(ci, ratio)
            lines.append(head + f"{format_ratio(ratio)}{TIMES} (95% CI {interval})")
        lines[-1] += ratio_caveat(summary, entry)
    return lines
