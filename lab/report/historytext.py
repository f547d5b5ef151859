"""The history in words: the lines `lab history` prints and the rows its page shows alike."""

from __future__ import annotations

from lab.analysis.history import History, Piece, Series, Step
from lab.text import format_rate, plural

STEP_COLUMNS = ("cell", "before", "after", "size", "level before → after", "also changed")


def when(created_at: str | None) -> str:
    """ "2026-12-01T10:00:00.123+00:00" → "2026-12-01 10:00" (UTC, as run ids are)."""
    return (created_at or "")[:16].replace("T", " ") or "date unknown"


def size_text(step: Step) -> str:
    return f"{step.size:+.1%}"


def level_text(piece: Piece) -> str:
    return f"{format_rate(piece.rps)} req/s over {plural(piece.runs, 'run')}"


def overview(history: History) -> str:
    """ "8 runs from 2026-12-01 10:00 to 2026-12-01 17:00, 4 cells, 1 step"."""
    span = ""
    if history.runs:
        first, last = history.runs[0].created_at, history.runs[-1].created_at
        span = f" from {when(first)} to {when(last)}"
    return (
        f"{plural(len(history.runs), 'run')}{span}, {plural(len(history.cells), 'cell')},"
        f" {plural(len(history.steps), 'step')}"
    )


def step_line(step: Step) -> str:
    """One line a step: "aio hello @200: -15.0% between RUN (date) and RUN (date) ..."."""
    series = f" (series {step.series})" if step.series > 1 else ""
    return (
        f"{step.name}{series}: {size_text(step)} between {step.before.run.run_id}"
        f" ({when(step.before.run.created_at)}) and {step.after.run.run_id}"
        f" ({when(step.after.run.created_at)}): {level_text(step.old)}, then"
        f" {level_text(step.new)}"
    )


def also_changed_text(step: Step) -> str:
    if not step.also_changed:
        return "no other difference recorded"
    return "; ".join(f"{d.what}: {d.a} → {d.b}" for d in step.also_changed)


def step_row(step: Step) -> tuple[str, ...]:
    series = f" (series {step.series})" if step.series > 1 else ""
    return (
        step.name + series,
        f"{step.before.run.run_id} ({when(step.before.run.created_at)})",
        f"{step.after.run.run_id} ({when(step.after.run.created_at)})",
        size_text(step),
        f"{level_text(step.old)} → {level_text(step.new)}",
        also_changed_text(step),
    )


def series_text(series: Series) -> str:
    """ "series 2: 4 runs, spread between runs 3.1% (...), 0 steps; set apart by host CPU
    model AMD EPYC → Intel Xeon"."""
    apart = (
        "; set apart by " + "; ".join(f"{d.what} {d.a} → {d.b}" for d in series.breaks)
        if series.breaks
        else ""
    )
    return (
        f"series {series.number}: {plural(len(series.points), 'run')}, spread between runs"
        f" {series.between_sd:.1%} (sd of log req/s beyond each run's own),"
        f" {plural(len(series.steps), 'step')}{apart}"
    )
