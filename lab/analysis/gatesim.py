"""How often is a gate's verdict wrong? Measured on simulated gates under drift.

A simulated gate is a simulated run (lab.analysis.driftsim: the lab's own blocked order,
its trial times, a drift model) of two apps, BASE and HEAD, whose true ratio HEAD/BASE
is `truth` at every level; BASE and HEAD are versions of one app, so they feel the host
alike. It runs the planned rounds, then looks at the schedule's rounds as
lab.analysis.gate does (the same `classify_logs`, the same repeated intervals), stopping
at the first look where every level is decided, or at the last look. Counted per level:
how often the final verdict is each of regressed, improved, no change and inconclusive,
and the mean rounds the gate ran.

What the gate promises, for a threshold t: `regressed` when HEAD is in truth no worse
than 1 - t, `improved` when it is no better than 1 + t, and `no change` when it is in
truth beyond either, are each wrong at most 2.5% of the time (the repeated intervals
cover 95% together). At the threshold itself (truth 1 - t) a wrong `regressed` is the
error to watch. Pure: randomness from the Generator given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lab.analysis.driftfigures import HOSTS, OVERHEAD_S
from lab.analysis.driftmodels import DriftModel, drift_models
from lab.analysis.driftsim import Design, simulate
from lab.analysis.gate import GATE_ALPHA, VERDICTS, classify_logs
from lab.analysis.intervals import Array
from lab.analysis.sequential import per_look_level, repeated_half_width
from lab.model.order import BLOCKED


@dataclass(frozen=True, slots=True)
class GateFigures:
    """One setting's outcome: per level, the share of gates ending in each verdict."""

    design: str
    model: str
    truth: float
    threshold_pct: float
    shares: tuple[tuple[float, ...], ...]  # [level][verdict], VERDICTS' order
    mean_rounds: float

    def share(self, level: int, verdict: str) -> float:
        return self.shares[level][VERDICTS.index(verdict)]


def gate_outcomes(
    log_ratios: Array,
    schedule: tuple[int, ...],
    threshold_pct: float,
    confidence: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(verdict codes per run and level, rounds each run ran) for per-round log ratios
    shaped (runs, rounds, levels): each run stops at its first look deciding every level.
    `confidence` overrides each look's level (the gate's own is the schedule's)."""
    runs, _, levels = log_ratios.shape
    if confidence is None:
        confidence = per_look_level(schedule, GATE_ALPHA)
    final = np.full((runs, levels), VERDICTS.index("inconclusive"))
    rounds = np.full(runs, schedule[-1])
    open_runs = np.ones(runs, dtype=bool)
    for look in schedule:
        seen = log_ratios[:, :look, :]
        centre = seen.mean(axis=1)
        spread = seen.std(axis=1, ddof=1)
        half = repeated_half_width(spread, np.array(look), confidence)
        codes = classify_logs(centre, half, threshold_pct)
        final[open_runs] = codes[open_runs]
        decided = open_runs & np.all(codes != VERDICTS.index("inconclusive"), axis=1)
        rounds[decided] = look
        open_runs &= ~decided
    return final, rounds


def gate_figures(
    rng: np.random.Generator,
    design: Design,
    model: DriftModel,
    truth: float,
    threshold_pct: float,
    schedule: tuple[int, ...],
    runs: int,
) -> GateFigures:
    """`runs` gates of `design` (its rounds the schedule's last) under `model`."""
    simulated = simulate(rng, design, model, runs, BLOCKED)
    levels = len(design.level_noise)
    base = simulated.drifted[:, :, 0::2]
    head = simulated.drifted[:, :, 1::2] + math.log(truth)
    final, rounds = gate_outcomes(head - base, schedule, threshold_pct)
    shares = tuple(
        tuple(float(np.mean(final[:, level] == code)) for code in range(len(VERDICTS)))
        for level in range(levels)
    )
    return GateFigures(design.name, model.name, truth, threshold_pct, shares, float(rounds.mean()))


def gate_table(rows: list[GateFigures], levels: tuple[str, ...]) -> list[str]:
    """The figures as a markdown table: one row per setting and level."""
    lines = [
        "Gate verdicts (share of simulated gates; repeated intervals, looks every 4 rounds):",
        "| host | drift | truth | level | regressed | improved | no change | inconclusive"
        " | rounds |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        for number, level in enumerate(levels):
            shares = " | ".join(f"{share:.1%}" for share in row.shares[number])
            lines.append(
                f"| {row.design} | {row.model} | {row.truth:.2f} | {level} | {shares}"
                f" | {row.mean_rounds:.1f} |"
            )
    return lines


# The gate's error rates are shown at a threshold of 5%, the default of `lab gate`, for
# HEAD no different (1.00), exactly at the threshold (0.95: a `regressed` there is the
# error the gate bounds) and 10% slower (0.90: how often the gate catches it).
TRUTHS = (1.00, 0.95, 0.90)
THRESHOLD_PCT = 5.0
# BASE and HEAD are versions of one app: a drift that apps feel unalike is not among them.
UNLIKE = "felt"


def gate_design(noise_name: str, noise: tuple[float, ...], rounds: int) -> Design:
    """The default preset's trials (5 s, 1 s warmup), run for up to `rounds` rounds."""
    return Design(f"{noise_name} {rounds} rounds", 2, noise, rounds, 5.0, 1.0, OVERHEAD_S)


def every_gate_setting(
    rng: np.random.Generator, runs: int, schedule: tuple[int, ...]
) -> list[GateFigures]:
    """Every host, drift the two versions share, and truth, for `lab figures`."""
    return [
        gate_figures(
            rng,
            gate_design(name, noise, schedule[-1]),
            model,
            truth,
            THRESHOLD_PCT,
            schedule,
            runs,
        )
        for name, noise in HOSTS
        for model in drift_models()
        if UNLIKE not in model.name
        for truth in TRUTHS
    ]
