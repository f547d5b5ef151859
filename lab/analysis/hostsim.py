"""What `hosts-disagree` is worth: merged runs simulated, each host drifting on its own.

Each simulated run has `hosts` hosts of `rounds` rounds each, every round two apps' trials
back to back in the blocked order (A B, then B A mirrored), one trial every `trial_s`
seconds. A trial's log req/s is its app's level, its host's own speed (a constant, sd
HOST_SD: hosts are not alike), its host's drift at the middle of its window (a drift
model of lab.analysis.driftmodels, drawn for each host on its own), and noise of its own
(sd `noise`). The round's log ratio keeps what of the drift moved between its two trials;
a host whose ratio truly differs adds `apart` (log) to it on the first host only.

The figures: how often the F test of lab.analysis.hostagree rejects at 5% when the hosts
truly agree (its false alarms) and when one host's ratio is 20% off (its power), and how
often the between-host sd's interval covers a true sd of random host effects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lab.analysis.driftmodels import (
    FITTED_CORRELATION_S,
    FITTED_SD,
    FITTED_TREND_PER_MINUTE,
    Shared,
    ar_minute,
    combined,
    decline,
    no_drift,
    ornstein_uhlenbeck,
    step,
    trend,
)
from lab.analysis.hostagree import ALPHA, f_test_arrays, one_way
from lab.analysis.intervals import Array

HOST_SD = 0.2  # hosts' own speeds differ by about 20%: a shared level, paired away
TRIAL_S = 7.6  # the default preset's trial: 1 s warmup, 5 s load, 1.6 s over
QUIET_NOISE = 0.05
SEED = 20261230


def host_drifts() -> dict[str, Shared]:
    """The drifts within each host the simulation meets (driftmodels' sizes)."""
    fitted = combined(
        ornstein_uhlenbeck(FITTED_SD, FITTED_CORRELATION_S), trend(FITTED_TREND_PER_MINUTE)
    )
    return {
        "no drift": no_drift,
        "AR(1) 0.5/min": ar_minute(0.5),
        "AR(1) 0.9/min": ar_minute(0.9),
        "decline 40%": decline(0.4),
        "step 30%": step(0.3),
        "fitted host": fitted,
        "step 30% + AR(1) 0.5": combined(step(0.3), ar_minute(0.5)),
    }


@dataclass(frozen=True, slots=True)
class HostDesign:
    hosts: int = 3
    rounds: int = 4  # per host
    noise: float = QUIET_NOISE
    trial_s: float = TRIAL_S


def round_log_ratios(
    rng: np.random.Generator,
    design: HostDesign,
    drift: Shared,
    runs: int,
    apart: float = 0.0,
    host_sd: float = 0.0,
) -> Array:
    """(runs, hosts, rounds) log ratios B/A; true ratio 1 but `apart` on host 1, and random
    host effects of sd `host_sd` on top."""
    n = design.rounds
    slots = np.arange(2 * n, dtype=np.float64)
    times = (slots + 0.5) * design.trial_s
    run_s = 2 * n * design.trial_s
    # Odd rounds run A then B, even rounds B then A (lab.model.order's mirror).
    first, second = slots[0::2].astype(int), slots[1::2].astype(int)
    b_slot = np.where(np.arange(n) % 2 == 0, second, first)
    a_slot = np.where(np.arange(n) % 2 == 0, first, second)
    values = np.empty((runs, design.hosts, n))
    for host in range(design.hosts):
        speed = rng.normal(0, HOST_SD, (runs, 1))
        log_speed = speed + drift(rng, runs, times, run_s)
        trials = log_speed + rng.normal(0, design.noise, (runs, 2 * n))
        values[:, host, :] = trials[:, b_slot] - trials[:, a_slot]
    values[:, 0, :] += apart
    if host_sd > 0:
        values += rng.normal(0, host_sd, (runs, design.hosts, 1))
    return values


@dataclass(frozen=True, slots=True)
class HostFigures:
    model: str
    false_alarms: float  # rejections when the hosts agree
    power: float  # rejections when one host's ratio is `apart` off
    sd_coverage: float  # the between-host sd interval covering a true sd


def host_figures(
    rng: np.random.Generator,
    design: HostDesign,
    model: str,
    drift: Shared,
    runs: int,
    apart: float = math.log(1.2),
    host_sd: float = 0.1,
    coverage_runs: int = 500,
) -> HostFigures:
    agree = f_test_arrays(round_log_ratios(rng, design, drift, runs))
    differ = f_test_arrays(round_log_ratios(rng, design, drift, runs, apart=apart))
    random_hosts = round_log_ratios(rng, design, drift, coverage_runs, host_sd=host_sd)
    covered = 0
    for run in random_hosts:
        test = one_way([list(host) for host in run])
        assert test is not None
        covered += test.sd_between_low <= host_sd <= test.sd_between_high
    return HostFigures(
        model,
        float(np.mean(agree < ALPHA)),
        float(np.mean(differ < ALPHA)),
        covered / coverage_runs,
    )


def host_table(runs: int = 4000, design: HostDesign | None = None) -> list[HostFigures]:
    """Every drift's figures, seeded (what docs/shards.md quotes)."""
    design = design or HostDesign()
    return [
        host_figures(np.random.default_rng(SEED + n), design, name, drift, runs)
        for n, (name, drift) in enumerate(host_drifts().items())
    ]


# The designs docs/shards.md quotes: 3 hosts x 4 rounds quiet and noisy, more rounds on
# the noisy host, and 2 hosts.
DESIGNS = (
    ("3 hosts x 4 rounds, quiet (5%)", HostDesign()),
    ("3 hosts x 4 rounds, noisy (12.3%)", HostDesign(noise=0.123)),
    ("3 hosts x 8 rounds, noisy (12.3%)", HostDesign(rounds=8, noise=0.123)),
    ("2 hosts x 4 rounds, quiet (5%)", HostDesign(hosts=2)),
)


def host_table_lines(runs: int = 4000) -> list[str]:
    """`lab figures --hosts`: every design's table, seeded."""
    lines = [
        f"hosts-disagree (F test at 5%), {runs} merged runs a row, seed {SEED}: false alarms"
        " when the hosts agree, power when one host's ratio is 20% off, and coverage of the"
        " between-host sd's 95% interval at a true sd of 10%"
    ]
    for title, design in DESIGNS:
        lines += [
            "",
            title,
            f"  {'drift within each host':<24}{'false':>8}{'power':>8}{'sd cov':>8}",
        ]
        lines += [
            f"  {f.model:<24}{f.false_alarms:>8.1%}{f.power:>8.1%}{f.sd_coverage:>8.1%}"
            for f in host_table(runs, design)
        ]
    return lines
