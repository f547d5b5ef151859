"""`python -m lab figures`: what the lab's intervals, verdicts and flags are worth, simulated.

Prints the coverage and error rates of lab.analysis.simulation (independent trials and
trials that carry a cell's own slow spells), then of lab.analysis.driftsim (whole runs
under a drifting host: the blocked ratios, the A/A resolution, --target-ci and the
gate's verdicts), before and after, for a seed; the same seed prints the same tables.
`--steps` prints instead what `lab history`'s step detection is worth
(lab.analysis.stepsim), `--gate` only the gate's table, `--hosts` what a merged run's
`hosts-disagree` is worth (lab.analysis.hostsim). Slow by design (a couple of
minutes at the defaults): it measures the methods, it does not estimate them. Its
numerical imports wait until the command runs: every other command starts without them.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from lab.errors import UsageError

if TYPE_CHECKING:
    from lab.analysis.blocked import Observation


def register(sub: argparse._SubParsersAction[Any]) -> None:
    figures = sub.add_parser(
        "figures",
        help="simulate the statistics' coverage and error rates, before and after (about 2 min)",
    )
    figures.add_argument("--seed", type=int, default=20261201, help="default: 20261201")
    figures.add_argument(
        "--cells", type=int, default=4000, help="simulated cells per setting (default: 4000)"
    )
    figures.add_argument(
        "--resamples", type=int, default=1000, help="bootstrap resamples (default: 1000)"
    )
    figures.add_argument(
        "--runs", type=int, default=4000, help="simulated runs per drift setting (default: 4000)"
    )
    figures.add_argument(
        "--steps",
        action="store_true",
        help="instead: the false and found steps of `lab history`'s detection (about a minute)",
    )
    figures.add_argument(
        "--penalty",
        type=float,
        default=None,
        metavar="C",
        help="with --steps: try C ln n a step instead of the history's own penalty",
    )
    figures.add_argument(
        "--series",
        type=int,
        default=2000,
        help="with --steps: simulated series per setting (default: 2000)",
    )
    figures.add_argument(
        "--fit",
        type=Path,
        metavar="RUN_DIR|TRACE.csv",
        help="instead: fit a host's drift and noise from a run folder or a trace (docs/traces/)",
    )
    figures.add_argument(
        "--gate",
        action="store_true",
        help="instead: only the gate's verdicts under drift (about a minute)",
    )
    figures.add_argument(
        "--hosts",
        action="store_true",
        help="instead: what `hosts-disagree` is worth, merged runs of drifting hosts (seconds)",
    )
    figures.add_argument(
        "--trace",
        type=Path,
        metavar="RUN_DIR",
        help="instead: print a run folder's trials as a trace (CSV) for --fit",
    )
    figures.set_defaults(func=cmd_figures)


def _observed(path: Path) -> list[Observation]:
    from lab.analysis.blocked import observations
    from lab.analysis.hostfit import observations_from_rows
    from lab.analysis.runs import load_run

    if path.is_dir():
        return observations(load_run(path).records)
    try:
        return observations_from_rows(path.read_text().splitlines())
    except (OSError, ValueError) as exc:
        raise UsageError(f"--fit {path}: {exc}", "give a run folder or a trace CSV") from exc


def cmd_fit(path: Path, out: Console) -> int:
    from lab.analysis.hostfit import fit_host

    try:
        fit = fit_host(_observed(path))
    except ValueError as exc:
        raise UsageError(f"--fit {path}: {exc}", "give a run of 3 rounds or more") from exc
    lines = [
        f"rounds {fit.rounds}, a trial every {fit.trial_s:.1f} s,"
        f" a round every {fit.round_s:.1f} s",
        f"host drift: sd {fit.drift_sd:.3f} (log), lag-1 {fit.drift_lag1:.2f} round to round"
        f" (correlation time {fit.correlation_s:.0f} s), trend {fit.trend_per_minute:+.1%}/min",
        *(f"own noise {level}: sd {noise:.3f} (log)" for level, noise in fit.level_noise),
        *(f"felt by {app}: {felt:.2f} of the host's drift" for app, felt in fit.elasticity),
        "blocked residuals' lag-1 autocorrelation: "
        + ("n/a" if fit.residual_lag1 is None else f"{fit.residual_lag1:.2f}"),
    ]
    for line in lines:
        out.print(line, highlight=False, markup=False, soft_wrap=True)
    return 0


def cmd_figures(args: argparse.Namespace, out: Console, _err: Console) -> int:
    import numpy as np

    from lab.analysis.blocked import observations
    from lab.analysis.driftfigures import (
        drift_table,
        every_drift_setting,
        every_resolution_setting,
        every_slope_setting,
        every_stein_setting,
        resolution_table,
        slope_table,
        stein_table,
    )
    from lab.analysis.gate import GATE_MAX_ROUNDS
    from lab.analysis.gatesim import every_gate_setting, gate_table
    from lab.analysis.hostfit import trace_rows
    from lab.analysis.runs import load_run
    from lab.analysis.sequential import looks
    from lab.analysis.simulation import (
        every_precision_setting,
        every_setting,
        precision_table,
        table,
    )

    if args.fit is not None:
        return cmd_fit(args.fit, out)
    if args.hosts:
        from lab.analysis.hostsim import host_table_lines

        for line in host_table_lines(args.runs):
            out.print(line, highlight=False, markup=False, soft_wrap=True)
        return 0
    if args.steps:
        from lab.analysis.steps import PENALTY_PER_LOG_RUN
        from lab.analysis.stepsim import every_step_setting, step_table

        penalty = PENALTY_PER_LOG_RUN if args.penalty is None else args.penalty
        out.print(f"seed {args.seed}, {args.series} series per setting", highlight=False)
        for line in step_table(every_step_setting(args.seed, args.series, penalty)):
            out.print(line, highlight=False, markup=False, soft_wrap=True)
        return 0
    if args.trace is not None:
        for line in trace_rows(observations(load_run(args.trace).records)):
            out.print(line, highlight=False, markup=False, soft_wrap=True)
        return 0
    # The gate's table draws from a generator of its own, so that `--gate` alone prints
    # the very table the whole command prints.
    gate_rows = every_gate_setting(
        np.random.default_rng(args.seed), args.runs, looks(8, GATE_MAX_ROUNDS)
    )
    if args.gate:
        for line in gate_table(gate_rows, ("hello", "hit")):
            out.print(line, highlight=False, markup=False, soft_wrap=True)
        return 0
    rng = np.random.default_rng(args.seed)
    rows = every_setting(rng, args.cells, args.resamples)
    precision_rows = every_precision_setting(rng, args.cells)
    drift_rows = every_drift_setting(rng, args.runs)
    resolution_rows = every_resolution_setting(rng, args.runs)
    stein_rows = every_stein_setting(rng, args.runs)
    slope_rows = every_slope_setting(rng, args.runs)
    out.print(
        f"seed {args.seed}, {args.cells} cells per setting, {args.resamples} resamples",
        highlight=False,
    )
    lines = [
        *table(rows),
        "",
        *precision_table(precision_rows),
        "",
        *drift_table(drift_rows),
        "",
        *resolution_table(resolution_rows),
        "",
        *stein_table(stein_rows),
        "",
        *slope_table(slope_rows),
        "",
        *gate_table(gate_rows, ("hello", "hit")),
    ]
    for line in lines:
        out.print(line, highlight=False, markup=False, soft_wrap=True)
    return 0
