"""A finding: something the lab's checks of its own measurement noticed, with a remedy.

Findings are data, not prints: the run stores them in summary.json, the terminal shows
them after the table, and tests assert on them. `code` is a stable kebab-case id for
tooling; `message` is one sentence that names the cell and the numbers; `remedy` says
what to do about it. The checks that make them live in lab.analysis.checks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from lab.model.cell import Cell
from lab.results.jsonfields import JsonObject

Severity = Literal["error", "warning", "info"]
# Also the reporting order: what invalidates a number comes before what qualifies it.
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")

_CODE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_CELL_TYPES: dict[str, type] = {"app": str, "scenario": str, "connections": int}


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding. `cell` is {"app", "scenario", "connections"}, or None when run-wide."""

    severity: Severity
    code: str
    message: str
    remedy: str
    # A dict cannot be hashed; findings hash on the other fields.
    cell: JsonObject | None = field(default=None, hash=False)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(
                f"finding: severity must be one of {SEVERITIES}, got {self.severity!r}"
            )
        if not isinstance(self.code, str) or not _CODE.fullmatch(self.code):
            raise ValueError(f"finding: code must be kebab-case like 'cv-high', got {self.code!r}")
        for name in ("message", "remedy"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"finding: {name} must be a non-empty string, got {value!r}")
        if self.cell is not None:
            # A private copy, so the frozen finding cannot change under its holder.
            object.__setattr__(self, "cell", _checked_cell(self.cell))

    @property
    def cell_key(self) -> Cell | None:
        cell = self.cell
        if cell is None:
            return None
        return Cell(cell["app"], cell["scenario"], cell["connections"])

    def to_dict(self) -> JsonObject:
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "remedy": self.remedy,
            "cell": None if self.cell is None else dict(self.cell),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """Inverse of to_dict; raises ValueError naming the first missing or bad key."""
        values: JsonObject = {}
        for key in ("severity", "code", "message", "remedy"):
            if not isinstance(data.get(key), str):
                raise ValueError(f"finding: key {key!r} is missing or not a string")
            values[key] = data[key]
        cell = data.get("cell")
        if cell is not None and not isinstance(cell, Mapping):
            raise ValueError(f"finding: key 'cell' must be an object or null, got {cell!r}")
        return cls(cell=None if cell is None else dict(cell), **values)


def _checked_cell(cell: Mapping[str, Any]) -> JsonObject:
    if set(cell) != set(_CELL_TYPES):
        raise ValueError(
            f"finding: cell must have exactly the keys {tuple(_CELL_TYPES)}, got {dict(cell)!r}"
        )
    for key, kind in _CELL_TYPES.items():
        value = cell[key]
        if isinstance(value, bool) or not isinstance(value, kind):
            raise ValueError(f"finding: key 'cell.{key}' must be {kind.__name__}, got {value!r}")
    return {key: cell[key] for key in _CELL_TYPES}
