"""Whether a run adds another round: the port its rules implement.

A run may go on after its planned rounds: `--target-ci` until its intervals are narrow
enough (Stein's procedure, lab.analysis.precision), `--gate` until HEAD's verdict against
BASE is decided (repeated confidence intervals, lab.analysis.gate). The runner asks the
run's rule after every round and follows it (lab.engine.phases.add_rounds); each rule
proves its own error rates by simulation. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from lab.results.records import TrialRecord

# Why a run stopped adding rounds: its rule was satisfied, or a bound stopped it.
REACHED = "target"
MAX_REPETITIONS = "max-repetitions"
MAX_TIME = "max-time"


@dataclass(frozen=True, slots=True)
class Decision:
    """What the runner does after a round: another one, or stop and why."""

    more: bool
    stopped_by: str | None
    rounds_needed: int | None


class RoundsRule(Protocol):
    """A rule for adding rounds: asked after each round, it says whether to run another."""

    def decide(
        self, records: Sequence[TrialRecord], rounds_done: int, elapsed_s: float, round_s: float
    ) -> Decision:
        """Another round, or stop (and why), given every trial so far."""
        ...

    def round_line(self, decision: Decision, records: Sequence[TrialRecord]) -> str:
        """Why another round runs, in one line of progress."""
        ...


def bounded(
    rounds_done: int,
    next_rounds: int,
    max_rounds: int,
    elapsed_s: float,
    round_s: float,
    max_time_s: float | None,
) -> str | None:
    """The bound that forbids running up to `next_rounds`, or None when both allow it."""
    if next_rounds > max_rounds or rounds_done >= max_rounds:
        return MAX_REPETITIONS
    if max_time_s is not None and elapsed_s + (next_rounds - rounds_done) * round_s > max_time_s:
        return MAX_TIME
    return None
