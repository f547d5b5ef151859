"""Cells as the checks see them: keys, labels, and the trials of each cell.

A cell is one app x scenario x connections level, as in summary.json. Checks that need
per-trial evidence group the records themselves; they look only at the ok trials, the
ones whose numbers feed the summary, except the check that reports failed trials.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lab.model.cell import Cell
from lab.results.records import TrialRecord


def cell_ref(key: Cell) -> dict[str, Any]:
    app, scenario, connections = key
    return {"app": app, "scenario": scenario, "connections": connections}


def cell_label(key: Cell) -> str:
    """How a reader names a cell: "hello @200 aio"."""
    app, scenario, connections = key
    return f"{scenario} @{connections} {app}"


def trials_by_cell(records: Sequence[TrialRecord]) -> dict[Cell, list[TrialRecord]]:
    """Every record under its cell, in trial order; cells in order of their first trial."""
    groups: dict[Cell, list[TrialRecord]] = {}
    for record in sorted(records, key=lambda record: record.index):
        groups.setdefault(record.cell, []).append(record)
    return groups


def ok_trials_by_cell(records: Sequence[TrialRecord]) -> dict[Cell, list[TrialRecord]]:
    """Like trials_by_cell, keeping only the ok trials; a cell without one is left out."""
    groups = {
        key: [record for record in group if record.status == "ok"]
        for key, group in trials_by_cell(records).items()
    }
    return {key: group for key, group in groups.items() if group}
