"""A cell: one app x scenario x connections level, the unit every statistic is about."""

from __future__ import annotations

from typing import NamedTuple


class Cell(NamedTuple):
    """One point of the matrix; its repetitions are the samples of one distribution.

    A tuple, so that summary cells, findings and comparisons key their dicts by it.
    """

    app: str
    scenario: str
    connections: int

    @property
    def level(self) -> tuple[str, int]:
        """The scenario x connections level whose apps a ratio compares."""
        return (self.scenario, self.connections)
