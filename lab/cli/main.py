"""`python -m lab`: the command line. Turns LabErrors into one-line messages and exit codes.

Results go to stdout; progress and messages go to stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from lab import __version__
from lab.cli.bisect import register as register_bisect
from lab.cli.bundle import register as register_bundle
from lab.cli.fanout import register as register_fanout
from lab.cli.figures import register as register_figures
from lab.cli.gate import register as register_gate
from lab.cli.history import register as register_history
from lab.cli.interrupts import install as install_interrupts
from lab.cli.merge import register as register_merge
from lab.cli.options import add_engine_options, add_run_options
from lab.cli.results import register as register_results
from lab.cli.running import cmd_rerun, cmd_run, say_to
from lab.errors import (
    EXIT_INTERRUPTED,
    EXIT_TRIAL_FAILED,
    EXIT_USAGE,
    BuildFailed,
    LabError,
    UsageError,
)
from lab.images.labels import BASE_ORIGIN, BASE_SOURCE
from lab.images.specs import ImageSpec, short_id
from lab.images.versions import Say, quiet
from lab.paths import ROOT, WORKDIR

Command = Callable[[argparse.Namespace, Console, Console], int]


class _Parser(argparse.ArgumentParser):
    """argparse that exits with our usage code and one line naming the bad flag."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"lab: error: {message} — see `python -m {self.prog} --help`\n")


def cmd_build(args: argparse.Namespace, out: Console, err: Console) -> int:
    from lab.engine.client import connect
    from lab.images.build import build_all

    specs = images_to_build(args, say_to(err))
    client = connect()
    built = build_all(client, ROOT, WORKDIR, say_to(err), specs)
    for item in built:
        state = "built" if item.rebuilt else "up to date"
        out.print(
            f"{item.name:<10} {item.tag:<32} {short_id(item.image_id)}  {state}", highlight=False
        )
    return 0


def images_to_build(args: argparse.Namespace, say: Say = quiet) -> tuple[ImageSpec, ...] | None:
    """With --for-run, the images `lab run` given the same flags starts; else None: all.

    A first `make bench` then builds what its run needs, not every app of the lab.
    """
    from lab.cli.options import config_from_args, given_settings
    from lab.engine.runner import run_images
    from lab.model.fields import FLAGS
    from lab.model.plan import blueprint

    if args.for_run:
        return run_images(blueprint(config_from_args(args, say), _host_cpus()))
    given = [FLAGS.get(field, "--" + field) for field in given_settings(args)]
    given += [flag for flag in ("--preset", "--engine", "--config") if getattr(args, flag[2:])]
    if given:
        raise UsageError(
            f"{given[0]}: lab build takes a run's flags only with --for-run",
            f"add --for-run to build only the images that run starts, or drop {given[0]}",
        )
    return None


def cmd_apps(args: argparse.Namespace, out: Console, _err: Console) -> int:
    from lab.model.catalog import builtin_catalog
    from lab.model.fairness import unhonoured

    catalog = builtin_catalog().with_folders(Path(folder) for folder in args.folders)
    table = Table(title="apps (--apps all runs the lab's own, in this order)", box=None)
    for column in ("app", "image", "server", "scenarios", "what it is"):
        table.add_column(column, no_wrap=column == "app")  # a name to type whole
    order = {name: n for n, name in enumerate(catalog.everything())}
    for app in sorted(catalog.apps.values(), key=lambda a: order.get(a.name, len(order))):
        server = app.server
        knob = server.worker_class or " ".join(v for v in (server.interface, server.loop) if v)
        caveat = "".join(f"\n  cannot honour: {item}" for item in unhonoured(app))
        table.add_row(
            Text(app.name),
            Text(app.image),
            Text(f"{server.name} {knob}".strip()),
            Text(",".join(app.scenarios)),
            Text(app.description + caveat),
        )
    out.print(table)
    return 0


def cmd_images(args: argparse.Namespace, out: Console, _err: Console) -> int:
    from lab.engine.client import connect
    from lab.images.inventory import lab_images

    records = lab_images(connect())
    if args.json:
        import json

        out.print_json(json.dumps([record.to_dict() for record in records]))
        return 0
    table = Table(title="images labelled lab.managed=true")
    for column in ("image", "tags", "id", "created", "MB", "inputs hash", "lock hash", "made from"):
        table.add_column(column)
    for r in records:
        origin = r.labels.get(BASE_SOURCE, "") + " " + r.labels.get(BASE_ORIGIN, "")
        table.add_row(
            r.name,
            "\n".join(r.tags) or "<untagged>",
            short_id(r.image_id),
            r.created,
            f"{r.size_mb:.0f}",
            r.inputs_hash[:16],
            r.lock_hash[:16],
            origin.strip() or f"base {short_id(r.base_id)}",
        )
    out.print(table)
    return 0


def _host_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def cmd_plan(args: argparse.Namespace, out: Console, err: Console) -> int:
    from lab.cli.options import config_from_args
    from lab.cli.plantext import render_blueprint
    from lab.model.plan import blueprint

    plan = blueprint(config_from_args(args, say_to(err)), _host_cpus())
    out.print(render_blueprint(plan), highlight=False, markup=False, end="", soft_wrap=True)
    return 0


def cmd_compose(args: argparse.Namespace, out: Console, err: Console) -> int:
    from lab.images.compose import render_compose

    target = ROOT / "compose.yaml"
    text = render_compose(args.host_cpus)
    if args.check:
        if target.read_text() != text:
            err.print(
                f"lab: {target} is not what `python -m lab compose` renders now; "
                "run it and commit the result",
                highlight=False,
                markup=False,
            )
            return EXIT_TRIAL_FAILED
        out.print(f"{target} is current", highlight=False)
        return 0
    target.write_text(text)
    out.print(f"wrote {target}", highlight=False)
    return 0


def cmd_clean(args: argparse.Namespace, out: Console, _err: Console) -> int:
    from lab.cli.options import engine_targets
    from lab.engine.clean import remove_managed
    from lab.engine.engines import connect_engines

    engines = connect_engines(engine_targets(args))
    try:
        for name, client in engines.distinct():
            removed = remove_managed(client, images=args.images)
            where = f" on {name}" if engines.topology.split else ""
            out.print(
                f"removed {removed.containers} containers, {removed.networks} networks, "
                f"{removed.images} images (label lab.managed=true){where}",
                highlight=False,
            )
    finally:
        engines.close()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="lab", description="A reproducible benchmark lab for Python web servers.")
    parser.add_argument("--version", action="version", version=f"lab {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    build = sub.add_parser(
        "build",
        help="build every image whose inputs changed (--for-run: only those a run starts)",
    )
    build.add_argument(
        "--for-run",
        action="store_true",
        help="only the images `lab run` with the flags below starts (the default preset's"
        " run when none is given)",
    )
    add_run_options(build)
    build.set_defaults(func=cmd_build)
    images = sub.add_parser("images", help="list the lab's images with their provenance")
    images.add_argument("--json", action="store_true", help="print JSON instead of a table")
    images.set_defaults(func=cmd_images)
    apps = sub.add_parser("apps", help="list the apps: the lab's own and, given, your folders")
    apps.add_argument("folders", nargs="*", metavar="FOLDER", help="an app folder of your own")
    apps.set_defaults(func=cmd_apps)
    plan = sub.add_parser(
        "plan", help="print the expanded plan, CPU placement and wall time (no engine needed)"
    )
    add_run_options(plan)
    plan.set_defaults(func=cmd_plan)
    run = sub.add_parser("run", help="run the benchmark: repeated, interleaved, verified trials")
    add_run_options(run)
    run.add_argument(
        "--resume",
        metavar="RUN_DIR",
        help="run only the trials missing from an interrupted run, into the same folder",
    )
    run.set_defaults(func=cmd_run)
    rerun = sub.add_parser(
        "rerun",
        help="run again with exactly the parameters and images recorded in a run's run.json",
    )
    rerun.add_argument("run_dir", metavar="RUN_DIR")
    rerun.add_argument("--out", metavar="DIR", help="results folder (default: the run's own)")
    rerun.set_defaults(func=cmd_rerun)
    register_bundle(sub)
    register_fanout(sub)
    register_results(sub)
    register_figures(sub)
    register_gate(sub)
    register_bisect(sub)
    register_history(sub)
    register_merge(sub)
    compose = sub.add_parser("compose", help="render compose.yaml from the lab's settings")
    compose.add_argument("--check", action="store_true", help="exit 1 if compose.yaml is stale")
    compose.add_argument(
        "--host-cpus", type=int, default=2, help="the host the placement is for (default: 2)"
    )
    compose.set_defaults(func=cmd_compose)
    clean = sub.add_parser(
        "clean", help="remove every container and network labelled lab.managed=true"
    )
    clean.add_argument("--images", action="store_true", help="remove the lab's images too")
    add_engine_options(clean)  # every engine a run placed roles on, and the local one
    clean.set_defaults(func=cmd_clean)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    out = Console(soft_wrap=True)
    # Messages are single lines that must stay whole, even in a narrow or piped stderr.
    err = Console(stderr=True, soft_wrap=True)
    args = build_parser().parse_args(argv)
    func: Command = args.func
    install_interrupts()
    try:
        return func(args, out, err)
    except LabError as exc:
        if isinstance(exc, BuildFailed) and exc.log_tail:
            print("\n".join(f"  | {line}" for line in exc.log_tail), file=sys.stderr)
        # One line, never wrapped: what is wrong, then what to do about it.
        hint = f" — {exc.hint}" if exc.hint else ""
        print(f"lab: error: {exc.message}{hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("lab: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
