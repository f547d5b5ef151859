"""`python -m lab figures`: what the lab's intervals, verdicts and flags are worth, simulated.

Prints the coverage and error rates of lab.analysis.simulation (independent trials and
trials that carry a cell's own slow spells), then of lab.analysis.driftsim (whole runs
under a drifting host: the blocked ratios, the A/A resolution and --target-ci), before
and after, for a seed; the same seed prints the same tables. Slow by design (a couple of
minutes at the defaults): it measures the methods, it does not estimate them.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
from rich.console import Console

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
from lab.analysis.simulation import (
    every_precision_setting,
    every_setting,
    precision_table,
    table,
)


def register(sub: argparse._SubParsersAction[Any]) -> None:
    figures = sub.add_parser(
        "figures",
        help="simulate the statistics' coverage and error rates, before and after (about 90 s)",
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
    figures.set_defaults(func=cmd_figures)


def cmd_figures(args: argparse.Namespace, out: Console, _err: Console) -> int:
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
    ]
    for line in lines:
        out.print(line, highlight=False, markup=False, soft_wrap=True)
    return 0
