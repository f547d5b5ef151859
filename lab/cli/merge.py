"""`lab merge DIR... [--out DIR]`: the shards of one plan (`lab run --shard I/N`) as one
run folder, read by `show`, `report` and `compare` like any run's.

The checks and the merged run.json are lab.results.merging's; the summary is made by the
code a run ends with (lab.engine.endings.run_summary) on the plan rebuilt from the
recorded parameters, as `lab rerun` rebuilds it, so a merged run's statistics are a run's
and add the hosts' agreement (lab.analysis.hosts).
"""

from __future__ import annotations

import argparse
import datetime
import uuid
from pathlib import Path
from typing import Any

from rich.console import Console

from lab.errors import EXIT_TRIAL_FAILED


def register(sub: argparse._SubParsersAction[Any]) -> None:
    merge = sub.add_parser(
        "merge",
        help="join the shards of one plan (`lab run --shard I/N`) into one run folder",
    )
    merge.add_argument("shards", nargs="+", type=Path, metavar="DIR", help="a shard's run folder")
    merge.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="results folder for the merged run (default: the first shard's)",
    )
    merge.set_defaults(func=cmd_merge)


def merged_run_id(preset: str, at: str) -> str:
    stamp = datetime.datetime.fromisoformat(at).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{preset}-merged-{uuid.uuid4().hex[:4]}"


def merge_folders(shard_dirs: list[Path], out: Path | None) -> Path:
    """Merge the shards into a new run folder under `out`; its path."""
    from lab.cli.options import config_from_run
    from lab.engine.endings import run_summary
    from lab.model.plan import blueprint
    from lab.results.merging import ShardRun, merge_shards
    from lab.results.reader import check_run_folder, read_run_document, read_trials
    from lab.results.store import RunStore

    shards = []
    for run_dir in shard_dirs:
        check_run_folder(run_dir)
        shards.append(ShardRun(run_dir, read_run_document(run_dir), read_trials(run_dir)))
    at = datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")
    preset = str(shards[0].run.parameters.get("preset", "run"))
    run_id = merged_run_id(preset, at)
    merged = merge_shards(shards, run_id, at)
    config = config_from_run(merged.run.parameters)
    plan = blueprint(config, merged.run.host_cpus or 2)
    store = RunStore.create(out or shard_dirs[0].parent, run_id)
    for record in merged.records:
        store.write_trial(record)
    summary = run_summary(run_id, plan, merged.records, merged.run, merged.run.status)
    store.write_summary(summary)
    store.write_run(merged.run)
    return store.run_dir


def cmd_merge(args: argparse.Namespace, out: Console, err: Console) -> int:
    from lab.analysis.runs import load_run
    from lab.cli.findings import render_findings
    from lab.cli.running import say_to
    from lab.cli.table import render_summary
    from lab.report.write import write_reports

    run_dir = merge_folders(list(args.shards), args.out)
    data = load_run(run_dir)
    render_summary(data.summary, out, data.run.deployments)
    render_findings(list(data.summary.findings or ()), out)
    say = say_to(err)
    say(f"merged: {run_dir}")
    _, html = write_reports(run_dir)
    say(f"report: {html}")
    if data.run.status != "complete":
        say(f"lab: the merged run is incomplete: {data.run.reason}")
        return EXIT_TRIAL_FAILED
    failed = len(data.failed_records)
    if failed:
        say(f"lab: {failed} trials failed; their reasons are in {run_dir}/trials/")
        return EXIT_TRIAL_FAILED
    return 0
