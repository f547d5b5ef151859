"""`python -m lab history`: a results folder's runs as each cell's history and its steps.

Writes one self-contained page (history.html in the results folder, or --html PATH) and
prints the steps found, one line each (with --json, the whole history as JSON instead).
Needs no engine. A step is a finding, not a failure: the command exits 0 when it could
read the runs, 2 (one line naming the folder or flag, and the fix) when it could not,
and 1 when the page could not be written.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console

from lab.errors import UsageError


def register(sub: argparse._SubParsersAction[Any]) -> None:
    history = sub.add_parser(
        "history",
        help="each cell's req/s over the runs of a results folder, its steps found and marked:"
        " a page (history.html) and the steps, or --json",
    )
    history.add_argument(
        "--out", type=Path, default=Path("results"), help="results folder (default: results)"
    )
    history.add_argument(
        "--html",
        type=Path,
        metavar="PATH",
        help="where to write the page (default: history.html in the results folder)",
    )
    history.add_argument(
        "--json", action="store_true", help="print the whole history as JSON instead of the steps"
    )
    history.add_argument(
        "--app",
        nargs="+",
        action="extend",
        default=[],
        metavar="APP",
        help="only these apps' cells (default: every app the runs measured)",
    )
    history.set_defaults(func=cmd_history)


def cmd_history(args: argparse.Namespace, out: Console, err: Console) -> int:
    from lab.analysis.history import build_history
    from lab.analysis.historyjson import history_json
    from lab.analysis.runs import find_runs
    from lab.report.historypage import render_history
    from lab.report.historytext import overview, step_line
    from lab.results.store import write_text_atomic

    listings = find_runs(args.out)
    runs = [listing.data for listing in listings if listing.data is not None]
    skipped = [(str(item.path), item.problem or "") for item in listings if item.data is None]
    if not runs:
        found = f"only damaged run folders ({len(skipped)})" if skipped else "no run folder"
        raise UsageError(
            f"--out {args.out}: {found} in it",
            "give the results folder `python -m lab run` wrote to (see `python -m lab list"
            " --out DIR`), or run `python -m lab run` first",
        )
    measured = sorted({cell.app for run in runs for cell in run.summary.cells})
    for app in args.app:
        if app not in measured:
            raise UsageError(
                f"--app {app}: no run in {args.out} measured it",
                f"the runs there measured {', '.join(measured)}",
            )
    history = build_history(runs, str(args.out), args.app, skipped)
    page = args.html or args.out / "history.html"
    # A page that cannot be written is ResultsUnwritable, naming it (exit 1, as a run's).
    write_text_atomic(page, render_history(history))
    for path, problem in skipped:
        _line(err, f"note: left out {path}: {problem}")
    if args.json:
        out.print_json(json.dumps(history_json(history)), indent=2)
    else:
        _line(out, overview(history))
        for step in history.steps:
            _line(out, step_line(step))
    _line(err, f"history: {page}")
    return 0


def _line(console: Console, text: str) -> None:
    # Plain text, never wrapped: run ids and paths are not rich markup.
    console.print(text, markup=False, highlight=False, soft_wrap=True)
