"""A results folder as a history: each cell's figure run after run, and where it stepped.

A cell (app x scenario x connections) gives each run one point: its median req/s and the
interval the run states for it. Runs whose apparatus makes that figure another measurement
(lab.analysis.comparable's cell facts: the host's CPUs, the placement, the load, Redis and
base images, the measuring parameters) go into separate series of the cell, so a new host
is a new series, never a step. The app's own changes are what a history watches: within
each series the steps are lab.analysis.steps', each listed with the runs on both sides,
its size between the levels of the pieces it separates, and whatever else changed between
those two runs (a new image of the app among them).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lab.analysis.comparable import cell_facts, conflicts, differences, image_of, run_facts
from lab.analysis.steps import MIN_RUNS, PENALTY_PER_LOG_RUN, Segmentation, find_steps
from lab.model.cell import Cell
from lab.results.comparisondoc import Difference, cell_name
from lab.results.costdoc import FIGURES as HISTORY_COST
from lab.results.intervaldoc import StatedInterval
from lab.results.reader import RunData
from lab.results.summarydoc import SummaryCell

# Facts of a run that say which matrix it ran, not how any one cell was measured.
MATRIX_FACTS = frozenset(
    {"parameter apps", "parameter app_folders", "parameter scenarios", "parameter connections"}
)


@dataclass(frozen=True, slots=True)
class RunRef:
    run_id: str
    created_at: str | None
    path: str


@dataclass(frozen=True, slots=True)
class Point:
    """One run's figure of a cell: as its summary states it, and on the log scale."""

    run: RunRef
    rps_median: float
    rps_ci: StatedInterval | None
    rps_geomean: float | None
    trials: int
    log_value: float
    # The standard error of log_value the run's interval states; None without an interval
    # (the series' median one stands in for it in the search).
    log_se: float | None
    # The run's cost of serving of the cell (medians, lab.results.costdoc's figures by
    # name); None for a run from before the lab measured it. Shown, not searched for steps.
    cost: Mapping[str, float | None] | None = field(default=None, hash=False)


@dataclass(frozen=True, slots=True)
class Piece:
    """Consecutive points of a series at one level (the weighted mean of their logs)."""

    first: int
    last: int
    level: float

    @property
    def runs(self) -> int:
        return self.last - self.first + 1

    @property
    def rps(self) -> float:
        return math.exp(self.level)


@dataclass(frozen=True, slots=True)
class Step:
    """Where a series' level moved: between `before` (the last run at the old level) and
    `after` (the first at the new one)."""

    cell: Cell
    series: int
    before: Point
    after: Point
    old: Piece
    new: Piece
    also_changed: tuple[Difference, ...]

    @property
    def size(self) -> float:
        """The new level over the old one, minus 1: -0.15 is 15% slower."""
        return math.exp(self.new.level - self.old.level) - 1

    @property
    def name(self) -> str:
        return cell_name(self.cell)


@dataclass(frozen=True, slots=True)
class Series:
    """A cell's runs that measure one thing, in time order, cut into pieces at its steps."""

    number: int  # 1 for the cell's first series
    points: tuple[Point, ...]
    pieces: tuple[Piece, ...]
    between_sd: float  # the spread between runs the segmentation fits (log)
    steps: tuple[Step, ...]
    # What sets it apart from the series before it (empty for the first).
    breaks: tuple[Difference, ...] = ()
    facts: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def piece_of(self, index: int) -> int:
        return next(n for n, piece in enumerate(self.pieces) if piece.first <= index <= piece.last)


@dataclass(frozen=True, slots=True)
class CellHistory:
    cell: Cell
    series: tuple[Series, ...]

    @property
    def name(self) -> str:
        return cell_name(self.cell)


@dataclass(frozen=True, slots=True)
class History:
    source: str
    runs: tuple[RunRef, ...]
    cells: tuple[CellHistory, ...]
    # Folders that looked like runs but could not be read: (path, why).
    skipped: tuple[tuple[str, str], ...] = ()
    per_log_run: float = PENALTY_PER_LOG_RUN
    min_runs: int = MIN_RUNS

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(step for cell in self.cells for series in cell.series for step in series.steps)


def build_history(
    runs: Iterable[RunData],
    source: str,
    apps: Sequence[str] = (),
    skipped: Sequence[tuple[str, str]] = (),
) -> History:
    """The history of every cell of `runs` (only `apps`' when given), runs in time order."""
    ordered = sorted(runs, key=lambda run: (run.run.created_at or "", run.run_id))
    measured: dict[Cell, list[tuple[RunData, SummaryCell]]] = {}
    for run in ordered:
        for cell in run.summary.cells:
            # A cell without an ok trial in a run has no figure there.
            if cell.rps_median and (not apps or cell.app in apps):
                measured.setdefault(cell.key, []).append((run, cell))
    return History(
        source=source,
        runs=tuple(_ref(run) for run in ordered),
        cells=tuple(
            CellHistory(key, _series_of(key, entries)) for key, entries in measured.items()
        ),
        skipped=tuple(skipped),
    )


def log_se(cell: SummaryCell) -> float | None:
    """The standard error of log req/s the cell's interval states: its log width over the
    width of a normal interval at the level it achieves."""
    ci = cell.rps_ci
    if ci is None or ci.low <= 0 or ci.high <= ci.low or not 0 < ci.level < 1:
        return None
    z = statistics.NormalDist().inv_cdf((1 + ci.level) / 2)
    return (math.log(ci.high) - math.log(ci.low)) / (2 * z)


def _ref(run: RunData) -> RunRef:
    return RunRef(run.run_id, run.run.created_at, str(run.path))


def _point(run: RunData, cell: SummaryCell) -> Point:
    median = float(cell.rps_median or 0.0)
    return Point(
        run=_ref(run),
        rps_median=median,
        rps_ci=cell.rps_ci,
        rps_geomean=cell.rps_geomean,
        trials=len(cell.rps),
        log_value=math.log(median),
        log_se=log_se(cell),
        cost=None if cell.cost is None else {name: cell.cost.median(name) for name in HISTORY_COST},
    )


@dataclass(eq=False)
class _Group:
    """A series while it is gathered: the facts its runs recorded, and its runs."""

    known: dict[str, Any]
    entries: list[tuple[RunData, SummaryCell]]
    breaks: tuple[Difference, ...]


def _series_of(key: Cell, entries: Sequence[tuple[RunData, SummaryCell]]) -> tuple[Series, ...]:
    groups: list[_Group] = []
    latest: _Group | None = None
    for run, cell in entries:
        facts = cell_facts(run, key.app)
        fitting = [group for group in groups if not conflicts(group.known, facts)]
        # The series the cell's last run went to, if this one fits it: runs interleaved
        # on two set-ups keep to their own series, a run that fits both to the latest.
        group = latest if latest in fitting else (fitting[-1] if fitting else None)
        if group is None:
            breaks = tuple(conflicts(latest.known, facts)) if latest is not None else ()
            group = _Group({}, [], breaks)
            groups.append(group)
        group.known.update({k: v for k, v in facts.items() if v is not None})
        group.entries.append((run, cell))
        latest = group
    return tuple(_series(key, n, group) for n, group in enumerate(groups, start=1))


def _series(key: Cell, number: int, group: _Group) -> Series:
    runs = [run for run, _ in group.entries]
    points = [_point(run, cell) for run, cell in group.entries]
    known = [point.log_se for point in points if point.log_se is not None]
    # A run without an interval counts as a typical run of its series, as asv weighs a
    # point without one by the median weight.
    typical = statistics.median(known) if known else 0.0
    segmentation = find_steps(
        [point.log_value for point in points],
        [typical if point.log_se is None else point.log_se for point in points],
    )
    pieces = _pieces(segmentation, len(points))
    steps = tuple(
        Step(
            cell=key,
            series=number,
            before=points[start - 1],
            after=points[start],
            old=pieces[n],
            new=pieces[n + 1],
            also_changed=tuple(_also_changed(runs[start - 1], runs[start], key.app)),
        )
        for n, start in enumerate(segmentation.steps)
    )
    return Series(
        number=number,
        points=tuple(points),
        pieces=pieces,
        between_sd=segmentation.between_sd,
        steps=steps,
        breaks=group.breaks,
        facts=dict(group.known),
    )


def _pieces(segmentation: Segmentation, count: int) -> tuple[Piece, ...]:
    ends = [*segmentation.steps, count]
    return tuple(
        Piece(start, end - 1, level)
        for start, end, level in zip(segmentation.starts, ends, segmentation.levels, strict=True)
    )


def _also_changed(before: RunData, after: RunData, app: str) -> list[Difference]:
    """What else was set up differently between the two runs around a step, leaving out
    the other apps' images and commands and which matrix each run ran: the app's own new
    image or command is the first thing a step asks about."""
    own = image_of(after, app)
    others = {
        image_of(run, name) for run in (before, after) for name in run.apps if name != app
    } - {own}
    others_named = {f"image {name} " for name in others}
    others_named |= {f"app {name} command" for run in (before, after) for name in run.apps}
    others_named.discard(f"app {app} command")
    return [
        difference
        for difference in differences(run_facts(before), run_facts(after))
        if difference.what not in MATRIX_FACTS
        and not any(difference.what.startswith(prefix) for prefix in others_named)
    ]
