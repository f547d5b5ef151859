"""The drift simulation's settings and tables: what `python -m lab figures` prints.

The designs are the lab's own presets (their rounds and trial times, read from
lab.model.config) beside the default the blocked order replaced, on a quiet host and on
this host as fitted on a noisy hour; the models are lab.analysis.driftmodels'. The README
carries these tables; tests/unit/analysis/test_driftsim.py asserts them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from lab.analysis.driftmodels import drift_models
from lab.analysis.driftsim import (
    Design,
    DriftFigures,
    ResolutionFigures,
    SlopeFigures,
    drift_figures,
    resolution_figures,
    slope_figures,
    stein_coverage,
)
from lab.model.config import PRESETS
from lab.model.plan import AA_MIN_REPETITIONS


def drift_table(rows: Sequence[DriftFigures]) -> list[str]:
    lines = [
        "ratio intervals stated at 95% under drift: coverage of each run's true ratio, mean"
        " half-width, and that width over the same draws' with no drift; before (each round"
        " shuffled, Welch on log req/s) -> after (blocked order, paired by round); flagged:"
        " runs the lab's ratios-autocorrelated finding flags, and the coverage of the others",
        "",
        f"{'design':<19}{'model':<29}{'coverage':<17}{'half-width':<19}{'vs no drift':<16}"
        "flagged (coverage unflagged)",
    ]
    for f in rows:
        b, a = f.before, f.after
        flagged = "" if a.flagged is None else f"{a.flagged:>5.1%} ({a.silent_coverage:.1%})"
        lines.append(
            f"{f.design:<19}{f.model:<29}{b.coverage:>6.1%} -> {a.coverage:<6.1%}  "
            f"±{_pct(b.half_width):>5} -> ±{_pct(a.half_width):<6}  "
            f"{b.vs_still:>4.2f}x -> {a.vs_still:.2f}x{'':<4}{flagged}"
        )
    return lines


def _pct(log_half_width: float) -> str:
    return f"{np.expm1(log_half_width):.1%}"


# Trial noise (sd of a trial's own log req/s) per level, hello then hit: a quiet host
# (CVs of 1-4% seen here on quiet days) and this host on a noisy hour (the own noise
# that `lab figures --fit` prints for driftmodels.FITTED_TRACE).
QUIET_NOISE = (0.02, 0.05)
FITTED_NOISE = (0.123, 0.133)
# Every table runs on both hosts.
HOSTS = (("quiet", QUIET_NOISE), ("noisy", FITTED_NOISE))
LEVELS = ("hello", "hit")
# The shared drifts whose interval must stay within 1.5x of the no-drift width.
BOUNDED_WIDTH = ("shared decline 40%", "shared step 30%", "shared AR(1) 0.9/min")
# Measured per trial on 2 cores: a fresh app container, readiness, verification, counters.
OVERHEAD_S = 1.7
# The design of the lab's default preset before the blocked order (5 rounds of 8 + 2 s).
BEFORE = (5, 8.0, 2.0)


def preset_design(preset: str, noise_name: str, noise: tuple[float, ...]) -> Design:
    """The design a preset runs: its apps' count, rounds and trial times."""
    values = PRESETS[preset]
    rounds = int(str(values["repetitions"]))
    if values.get("aa") or preset == "quick":
        rounds = max(rounds, AA_MIN_REPETITIONS)
    duration, warmup = float(str(values["duration_s"])), float(str(values["warmup_s"]))
    name = f"{noise_name} {preset} {rounds}x{duration:g}s"
    return Design(name, 2, noise, rounds, duration, warmup, OVERHEAD_S)


def designs() -> tuple[Design, ...]:
    """The default preset's design and the one it replaced, on a quiet and a noisy host."""
    found = []
    for noise_name, noise in HOSTS:
        rounds, duration, warmup = BEFORE
        found.append(
            Design(f"{noise_name} old 5x8s", 2, noise, rounds, duration, warmup, OVERHEAD_S)
        )
        found.append(preset_design("default", noise_name, noise))
    return tuple(found)


def every_drift_setting(rng: np.random.Generator, runs: int) -> list[DriftFigures]:
    return [
        drift_figures(rng, design, model, runs) for design in designs() for model in drift_models()
    ]


def resolution_table(rows: Sequence[ResolutionFigures]) -> list[str]:
    lines = [
        "A/A runs: the resolution a run prints (median over runs), the blocked test's power"
        " when B really moved by it (80% promised), and how often b/a's interval holds 1",
        "",
        f"{'design':<20}{'model':<29}{'level':<7}{'resolution':>11}{'power':>8}{'holds 1':>9}",
    ]
    for f in rows:
        lines.append(
            f"{f.design:<20}{f.model:<29}{LEVELS[f.level]:<7}{f.stated:>11.1%}"
            f"{f.power:>8.1%}{f.coverage:>9.1%}"
        )
    return lines


def stein_table(rows: Sequence[tuple[str, str, tuple[float, float, float]]]) -> list[str]:
    lines = [
        "--target-ci under drift (Stein's two-stage on the blocked fit): coverage of a 95%"
        " interval, share of runs within the target, mean rounds",
        "",
        f"{'design':<24}{'model':<29}{'coverage':>9}{'reached':>9}{'rounds':>8}",
    ]
    for design, model, (coverage, reached, rounds) in rows:
        lines.append(f"{design:<24}{model:<29}{coverage:>9.1%}{reached:>9.1%}{rounds:>8.1f}")
    return lines


# What the resolution and --target-ci tables run under: no drift, the worst shared
# drifts, and the host as fitted.
SOME_MODELS = ("no drift", "shared decline 40%", "shared step 30%", "fitted host, shared")
STEIN_TARGET_PCT = 10.0
STEIN_MAX_ROUNDS = 30


def every_resolution_setting(rng: np.random.Generator, runs: int) -> list[ResolutionFigures]:
    """`--aa APP --preset quick`, as the A/A check of the drift issue runs it."""
    models = {model.name: model for model in drift_models()}
    return [
        row
        for noise_name, noise in HOSTS
        for name in SOME_MODELS
        for row in resolution_figures(
            rng, preset_design("quick", noise_name, noise), models[name], runs
        )
    ]


def every_stein_setting(
    rng: np.random.Generator, runs: int
) -> list[tuple[str, str, tuple[float, float, float]]]:
    """--target-ci 10 on the default preset's design, its rounds the pilot."""
    models = {model.name: model for model in drift_models()}
    found = []
    for noise_name, noise in HOSTS:
        design = preset_design("default", noise_name, noise)
        bounded = replace(design, rounds=STEIN_MAX_ROUNDS)
        for name in SOME_MODELS:
            figures = stein_coverage(
                rng, bounded, models[name], runs, design.rounds, STEIN_TARGET_PCT
            )
            found.append((design.name, name, figures))
    return found


def every_slope_setting(rng: np.random.Generator, runs: int) -> list[SlopeFigures]:
    """The paired interval and the sloped alternative on the default preset's design."""
    shared = [model for model in drift_models() if not model.cell_phi]
    return [
        slope_figures(rng, preset_design("default", noise_name, noise), model, runs)
        for noise_name, noise in HOSTS
        for model in shared
    ]


def slope_table(rows: Sequence[SlopeFigures]) -> list[str]:
    lines = [
        "why the blocked ratio pairs by round without a drift slope: coverage and mean"
        " half-width of the paired interval beside a fit of the drift's slope over the gap",
        "",
        f"{'design':<24}{'model':<29}{'paired':<18}{'with a slope'}",
    ]
    for f in rows:
        paired = f"{f.paired[0]:.1%} ±{_pct(f.paired[1])}"
        sloped = f"{f.sloped[0]:.1%} ±{_pct(f.sloped[1])}"
        lines.append(f"{f.design:<24}{f.model:<29}{paired:<18}{sloped}")
    return lines
