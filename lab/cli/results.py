"""The commands that read results: `report`, `show`, `list` and `compare`.

None of them needs an engine. Output goes to `out`, messages to `err`; a damaged run
folder raises UsageError naming the file, which the CLI prints as one line. The analysis
(and its numerical libraries) is imported when a command runs, so that the CLI starts
without it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console

from lab.errors import UsageError
from lab.results.reader import RunData
from lab.results.summarydoc import Summary


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the four subcommands to the CLI's subparsers."""
    report = sub.add_parser(
        "report", help="write report.md and report.html (charts included) into a run folder"
    )
    report.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a run folder")
    report.set_defaults(func=cmd_report)

    show = sub.add_parser("show", help="print a run's summary table (or its JSON)")
    show.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a run folder")
    show.add_argument("--json", action="store_true", help="print summary.json instead")
    show.set_defaults(func=cmd_show)

    listing = sub.add_parser("list", help="list the runs in the results folder, newest first")
    listing.add_argument(
        "--out", type=Path, default=Path("results"), help="results folder (default: results)"
    )
    listing.set_defaults(func=cmd_list)

    compare = sub.add_parser(
        "compare",
        help="compare run B with run A cell by cell; exit 1 on a regression, 2 if not comparable",
    )
    compare.add_argument("run_a", type=Path, metavar="RUN_A", help="the reference run")
    compare.add_argument("run_b", type=Path, metavar="RUN_B", help="the run judged against it")
    compare.add_argument(
        "--threshold",
        type=float,
        default=5.0,
        metavar="PERCENT",
        help="smallest change in median req/s that counts, in percent (default: 5)",
    )
    compare.add_argument("--json", action="store_true", help="print JSON instead of text")
    compare.set_defaults(func=cmd_compare)


def cmd_report(args: argparse.Namespace, out: Console, _err: Console) -> int:
    from lab.report.write import write_reports

    for path in write_reports(args.run_dir):
        _line(out, str(path))
    return 0


def cmd_show(args: argparse.Namespace, out: Console, _err: Console) -> int:
    from lab.analysis.runs import load_run
    from lab.cli.opentable import render_open
    from lab.cli.table import render_summary
    from lab.report.driftrows import drift_lines

    data = load_run(args.run_dir)
    if args.json:
        out.print_json(json.dumps(data.summary.to_dict()), indent=2)
        return 0
    _line(out, f"{data.run_id}  {data.status}  {data.ok} of {data.planned} trials ok")
    if data.summary_recomputed:
        _line(out, "summary.json is missing: this summary is recomputed from the trials")
    render_summary(data.summary, out, data.run.deployments)
    for line in drift_lines(data.summary, data.records):
        _line(out, line)
    for record in data.failed_records:
        where = f"{record.app} {record.scenario} @{record.connections}"
        _line(out, f"failed trial {record.index} ({where}): {record.reason}")
    for note in data.notes:
        _line(out, f"note: {note}")
    render_open(data, out)
    return 0


def cmd_list(args: argparse.Namespace, out: Console, err: Console) -> int:
    from lab.analysis.runs import find_runs

    listings = find_runs(args.out)
    if not listings:
        _line(err, f"no runs in {args.out}")
        return 0
    rows = [
        _listing_row(listing.data)
        if listing.data is not None
        else (listing.path.name, f"damaged: {listing.problem}")
        for listing in listings
    ]
    # Align the columns of the readable runs; a damaged run's message runs on.
    columns = max(len(row) for row in rows)
    widths = [
        max((len(row[n]) for row in rows if len(row) == columns), default=0) for n in range(columns)
    ]
    for row in rows:
        if len(row) == columns:
            _line(
                out, "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            )
        else:
            _line(out, f"{row[0].ljust(widths[0])}  {row[1]}")
    return 0


def cmd_compare(args: argparse.Namespace, out: Console, err: Console) -> int:
    from lab.analysis.compare import compare_runs, comparison_json
    from lab.analysis.comparetext import comparison_lines
    from lab.analysis.opencompare import open_comparison_json, open_comparison_lines
    from lab.analysis.openload import open_summary

    if not args.threshold >= 0:
        raise UsageError(
            f"--threshold {args.threshold:g}: must be a percentage of 0 or more",
            "e.g. --threshold 5",
        )
    from lab.analysis.runs import load_run

    run_a, run_b = load_run(args.run_a), load_run(args.run_b)
    comparison = compare_runs(run_a, run_b, args.threshold)
    open_a, open_b = open_summary(run_a), open_summary(run_b)
    if args.json:
        document = comparison_json(comparison)
        if open_a is not None and open_b is not None:
            document = {**document, "open": open_comparison_json(open_a, open_b)}
        out.print_json(json.dumps(document), indent=2)
    else:
        for line in comparison_lines(comparison):
            _line(out, line)
        if open_a is not None and open_b is not None:
            for line in open_comparison_lines(open_a, open_b):
                _line(out, line)
    if comparison.problem is not None:
        _line(err, f"lab: not comparable: {comparison.problem}")
    return comparison.exit_code


def _listing_row(data: RunData) -> tuple[str, ...]:
    created = data.run.created_at or ""
    # What to type is the folder's name; it is the run id unless someone renamed it.
    name = data.path.name if data.path.name == data.run_id else f"{data.path.name} ({data.run_id})"
    return (
        name,
        created[:16].replace("T", " "),
        str(data.parameters.get("preset", "")),
        data.status,
        ",".join(data.apps),
        f"{data.ok}/{data.planned} ok",
        _figures(data.summary),
    )


def _figures(summary: Summary) -> str:
    """Median req/s per app for each scenario, compact: "hello: flask 2.67k aio 12k"."""
    levels: dict[str, set[int]] = {}
    for cell in summary.cells:
        levels.setdefault(cell.scenario, set()).add(cell.connections)
    blocks: dict[str, list[str]] = {}
    for cell in summary.cells:
        scenario = cell.scenario
        name = scenario if len(levels[scenario]) == 1 else f"{scenario}@{cell.connections}"
        blocks.setdefault(name, []).append(f"{cell.app} {_compact(cell.rps_median)}")
    return "  ".join(f"{name}: {' '.join(values)}" for name, values in blocks.items())


def _compact(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 1000:
        return f"{value:.0f}"
    return f"{value / 1000:.3g}k"


def _line(console: Console, text: str) -> None:
    # Plain text, never wrapped: run ids, paths and JSON values are not rich markup.
    console.print(text, markup=False, highlight=False, soft_wrap=True)
