"""`lab run` and `lab rerun`: a run from flags (or a recorded run), its tables, its report,
its exit code; `lab gate` runs through here too (lab.cli.gate).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from rich.console import Console

from lab.errors import EXIT_TRIAL_FAILED, UsageError
from lab.images.versions import Say
from lab.model.config import RunConfig
from lab.model.placement import Placement
from lab.paths import ROOT
from lab.results.reader import read_run_document
from lab.results.store import RunStore
from lab.text import numbered


def say_to(err: Console) -> Say:
    """Progress on stderr, as typed (paths and pins hold brackets rich would read)."""
    return lambda line: err.print(line, highlight=False, markup=False)


def cmd_run(args: argparse.Namespace, out: Console, err: Console) -> int:
    from lab.cli.options import config_from_args, config_from_run, given_settings
    from lab.model.fields import FLAGS

    resume = None
    if args.resume:
        given = list(given_settings(args)) + (["preset"] if args.preset else [])
        given += ["config"] if args.config else []
        if given:
            flag = FLAGS.get(given[0], "--" + given[0])
            raise UsageError(
                f"{flag}: --resume runs with the parameters recorded in the run",
                f"drop {flag}, or start a new run without --resume",
            )
        resume = RunStore(Path(args.resume))
        config = config_from_run(read_run_document(resume.run_dir).parameters, say_to(err))
    else:
        config = config_from_args(args, say_to(err))
    return run_and_report(config, out, err, resume=resume)


def run_and_report(
    config: RunConfig,
    out: Console,
    err: Console,
    resume: RunStore | None = None,
    rerun_of: RunStore | None = None,
) -> int:
    """Run, print the tables and findings, write the reports; the command's exit code."""
    return run_into_folder(config, out, err, resume, rerun_of)[0]


def run_into_folder(
    config: RunConfig,
    out: Console,
    err: Console,
    resume: RunStore | None = None,
    rerun_of: RunStore | None = None,
) -> tuple[int, Path]:
    """`run_and_report`, and the run's folder (`lab bisect` keeps each step's)."""
    from lab.analysis.runs import load_run
    from lab.cli.findings import render_findings
    from lab.cli.opentable import failed_sweeps, render_open
    from lab.cli.plantext import shard_lines
    from lab.cli.progress import ConsoleReporter
    from lab.cli.table import render_summary
    from lab.engine.adapter import DockerEngine
    from lab.engine.engines import connect_engines
    from lab.engine.runner import run
    from lab.model.plan import blueprint
    from lab.report.write import write_reports

    engines = connect_engines(config.engines)
    engine = DockerEngine(engines.local, engines)
    # Each engine's CPU count, not this process's: an engine may be another machine.
    plan = blueprint(config, engines.topology.cpus("app"), engines.topology)
    for note in (*plan.notes, *shard_lines(plan)):
        err.print(f"note: {note}", highlight=False, markup=False)
    for url, roles in engines.topology.engines().items() if engines.topology.split else ():
        err.print(f"engine: {', '.join(roles)} on {url}", highlight=False, markup=False)
    where = _keep_off_app_cpus(plan.placement, engines.topology.roles["app"].url)
    if where:
        err.print(f"controller: {where}", highlight=False, markup=False)
    try:
        outcome = run(engine, plan, ROOT, ConsoleReporter(err), resume, rerun_of)
    finally:
        engines.close()
    data = load_run(outcome.run_dir)
    render_summary(outcome.summary, out, data.run.deployments)
    render_findings(list(outcome.summary.findings or ()), out)
    render_open(data, out)
    err.print(f"results: {outcome.run_dir}", highlight=False, markup=False)
    _, html = write_reports(outcome.run_dir)
    err.print(f"report: {html}", highlight=False, markup=False)
    if failed_sweeps(data):
        err.print(
            f"lab: {failed_sweeps(data)} of {len(data.sweeps)} open-loop sweeps failed; "
            f"their reasons are in {outcome.run_dir}/open/",
            highlight=False,
            markup=False,
        )
        return EXIT_TRIAL_FAILED, outcome.run_dir
    if outcome.failed:
        err.print(
            f"lab: {outcome.failed} of {outcome.planned} trials failed; "
            f"their reasons are in {outcome.run_dir}/trials/",
            highlight=False,
            markup=False,
        )
        return EXIT_TRIAL_FAILED, outcome.run_dir
    if config.gate_pct is not None:
        from lab.cli.gate import finish_gate

        return finish_gate(plan.config, outcome.run_dir, out), outcome.run_dir
    return 0, outcome.run_dir


def _keep_off_app_cpus(placement: Placement, app_url: str) -> str | None:
    """Pin this process (and every thread it starts later) to the helpers' CPUs, so that
    what the controller does between and during windows never runs on the app's CPU.

    Returns where it runs, or None when this machine has none of the helpers' CPUs (a
    remote engine's placement names the other machine's CPUs)."""
    if not app_url.startswith("unix://"):
        return None  # the app runs on another machine
    app = set(placement.app.cpu_ids)
    helpers = (set(placement.wrk.cpu_ids) | set(placement.redis.cpu_ids)) - app
    target = helpers & os.sched_getaffinity(0)
    if not target:
        return None
    os.sched_setaffinity(0, target)
    return f"runs on {numbered('CPU', sorted(target))}, beside wrk and redis, off the app's"


def cmd_rerun(args: argparse.Namespace, out: Console, err: Console) -> int:
    from lab.cli.options import config_from_run

    original = RunStore(Path(args.run_dir))
    parameters = dict(read_run_document(original.run_dir).parameters)
    if args.out:
        parameters["out"] = args.out
    config = config_from_run(parameters, say_to(err))
    return run_and_report(config, out, err, rerun_of=original)
