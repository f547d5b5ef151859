"""What `lab history`'s step detection is worth, simulated: false steps and detected ones.

A simulated series is one cell's figure over `runs` runs, on the log scale:

    y_t = drift_t + own_t (+ the step, from run `at` on)

- `spread` is how much two runs differ on average (the mean |log ratio| of two runs far
  apart; runs on this host differ by 5-15%), so a run's sd is spread x sqrt(pi) / 2;
- half of that variance is the host's drift between runs, AR(1) with lag-1
  autocorrelation `lag1` from one run to the next (slow spells last longer than a run);
- the other half is each run's own error (its median's), whose sd is what the run's
  interval states, jittered by 30% from run to run as real runs' intervals differ.

A false step is any step found in a series without one; a step is detected when one is
found within one run of its true place, in its direction. The step lies in the middle of
the series (3 runs before and after in 6), where a history's runs on both sides are fewest
for its length. The same seed gives the same table; `python -m lab figures --steps`
prints it and tests/unit/analysis/test_stepsim.py asserts it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from lab.analysis.steps import MIN_RUNS, PENALTY_PER_LOG_RUN, Segmentation, find_steps

RUNS = (6, 9, 12)
SPREADS = (0.05, 0.10, 0.15)
LAG1S = (0.0, 0.5)
STEPS = (0.10, 0.20)
SERIES = 2000
OWN_SHARE = 0.5
OWN_JITTER = 0.3

Array = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class StepRates:
    runs: int
    spread: float
    lag1: float
    series: int
    false_steps: float  # share of series without a step in which one was found
    detected: tuple[tuple[float, float], ...]  # (step size, share of series it was found in)
    per_log_run: float = PENALTY_PER_LOG_RUN

    def detection(self, step: float) -> float:
        return dict(self.detected)[step]


def simulated_series(
    rng: np.random.Generator,
    runs: int,
    spread: float,
    lag1: float,
    step: float = 0.0,
    at: int | None = None,
) -> tuple[Array, Array]:
    """One series: each run's log value and the standard error its interval states."""
    sd = spread * math.sqrt(math.pi) / 2
    drift_sd, own_sd = sd * math.sqrt(1 - OWN_SHARE), sd * math.sqrt(OWN_SHARE)
    innovations = rng.normal(0.0, drift_sd * math.sqrt(1 - lag1**2), runs)
    drift = np.empty(runs)
    drift[0] = rng.normal(0.0, drift_sd)
    for t in range(1, runs):
        drift[t] = lag1 * drift[t - 1] + innovations[t]
    own_se = own_sd * np.exp(rng.normal(0.0, OWN_JITTER, runs))
    values = drift + rng.normal(0.0, 1.0, runs) * own_se
    if at is not None:
        values[at:] += math.log1p(step)
    return values, own_se


def step_rates(
    rng: np.random.Generator,
    runs: int,
    spread: float,
    lag1: float,
    series: int = SERIES,
    steps: Sequence[float] = STEPS,
    per_log_run: float = PENALTY_PER_LOG_RUN,
) -> StepRates:
    false_steps = sum(
        bool(find_steps(*simulated_series(rng, runs, spread, lag1), per_log_run).steps)
        for _ in range(series)
    )
    at = runs // 2
    detected = []
    for step in steps:
        found = 0
        for _ in range(series):
            values, own_se = simulated_series(rng, runs, spread, lag1, step, at)
            found += _found(find_steps(values, own_se, per_log_run), at, step)
        detected.append((step, found / series))
    return StepRates(runs, spread, lag1, series, false_steps / series, tuple(detected), per_log_run)


def _found(segmentation: Segmentation, at: int, step: float) -> bool:
    for start in segmentation.steps:
        if abs(start - at) <= 1:
            piece = segmentation.piece(start)
            moved = segmentation.levels[piece] - segmentation.levels[piece - 1]
            if moved * step > 0:
                return True
    return False


def every_step_setting(
    seed: int, series: int = SERIES, per_log_run: float = PENALTY_PER_LOG_RUN
) -> list[StepRates]:
    rng = np.random.default_rng(seed)
    return [
        step_rates(rng, runs, spread, lag1, series, per_log_run=per_log_run)
        for lag1 in LAG1S
        for spread in SPREADS
        for runs in RUNS
    ]


def step_table(rows: Sequence[StepRates]) -> list[str]:
    steps = [step for step, _ in rows[0].detected] if rows else []
    penalty = rows[0].per_log_run if rows else PENALTY_PER_LOG_RUN
    lines = [
        "steps in a history (lab history): series of one cell over n runs with no step, and"
        " with a step in the middle; runs differ by the spread (mean |log ratio|), half of it"
        " the runs' own error (as their intervals state), half a drift between runs (AR(1),"
        f" lag-1 as given); penalty {penalty:g} ln n a step, pieces of {MIN_RUNS} runs or"
        " more; detected: found within one run of its place",
        "",
        f"{'lag-1':<7}{'spread':<8}{'runs':<6}{'false steps':<13}"
        + "".join(f"{f'detected {step:.0%}':<14}" for step in steps).rstrip(),
    ]
    for row in rows:
        lines.append(
            f"{row.lag1:<7.1f}{row.spread:<8.0%}{row.runs:<6}{row.false_steps:<13.1%}"
            + "".join(f"{rate:<14.1%}" for _, rate in row.detected).rstrip()
        )
    return lines
