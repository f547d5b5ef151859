"""`python -m lab fanout render ENGINE --shards N [run flags]`: a plan's shards as the
files of another engine (a Kubernetes Indexed Job, a GitHub Actions or GitLab CI matrix).

The run flags are validated as `lab run` validates them and written into the files as
given, the seed made explicit. The files go to stdout, or with --out into a folder.
"""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path
from typing import Any

from rich.console import Console

from lab.cli.options import add_run_options, config_from_args, given_settings
from lab.cli.running import say_to
from lab.errors import UsageError
from lab.model.fanout import (
    ENGINES,
    make_fanout,
    parse_count,
    refuse_unshardable,
    run_flag_tokens,
)
from lab.model.plan import blueprint
from lab.report.fanoutci import github_files, gitlab_files
from lab.report.fanoutk8s import kubernetes_files

DEFAULT_NODE_CPUS = 4
DEFAULT_IMAGE = "lab-controller:latest"
DEFAULT_RUNNER_LABEL = "lab-bench"


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add `fanout render` to the CLI's subparsers."""
    fanout = sub.add_parser(
        "fanout", help="a plan's shards as the files of a Kubernetes Job or a CI matrix"
    )
    actions = fanout.add_subparsers(dest="fanout_command", required=True, metavar="render")
    render = actions.add_parser(
        "render",
        help="print (or write with --out) the files that run a plan's shards and merge them",
    )
    render.add_argument(
        "fanout_engine",
        metavar="ENGINE",
        choices=ENGINES,
        help="kubernetes, github-actions or gitlab-ci",
    )
    render.add_argument(
        "--shards", required=True, metavar="N", help="hosts, one shard each (at most the rounds)"
    )
    render.add_argument(
        "--out", dest="files_out", metavar="DIR", help="write the files under DIR (default: print)"
    )
    render.add_argument(
        "--node-cpus",
        default=str(DEFAULT_NODE_CPUS),
        metavar="N",
        help=f"CPUs of each host, for the placement (default: {DEFAULT_NODE_CPUS})",
    )
    render.add_argument(
        "--image",
        default=DEFAULT_IMAGE,
        help="kubernetes: the controller image, holding the lab's checkout"
        f" (default: {DEFAULT_IMAGE})",
    )
    render.add_argument(
        "--runner-label",
        default=DEFAULT_RUNNER_LABEL,
        help=f"CI: the self-hosted runners' label or tag (default: {DEFAULT_RUNNER_LABEL})",
    )
    add_run_options(render, without=("out",))
    render.set_defaults(func=cmd_fanout_render)


def cmd_fanout_render(args: argparse.Namespace, out: Console, err: Console) -> int:
    shards = parse_count("--shards", args.shards, 1, "3")
    node_cpus = parse_count("--node-cpus", args.node_cpus, 2, "8")
    given = given_settings(args)
    if args.config is not None:
        raise UsageError(
            f"--config {args.config}: each shard runs on its own node's engine",
            "drop --config",
        )
    refuse_unshardable(given)
    config = config_from_args(args, say_to(err), settings=dict(given))
    typed = dict(given)
    if args.preset is not None:
        given["preset"] = args.preset
    fanout = make_fanout(
        args.fanout_engine, shards, blueprint(config, node_cpus), given, invocation(args), node_cpus
    )
    # Then as each shard's `lab run --shard I/N` will be: what a shard refuses (--aa,
    # --mode open), the render refuses first, in the run's words.
    config_from_args(args, settings={**typed, "shard": f"1/{shards}"})
    if fanout.engine == "kubernetes":
        files = kubernetes_files(fanout, args.image)
    elif fanout.engine == "github-actions":
        files = github_files(fanout, args.runner_label)
    else:
        files = gitlab_files(fanout, args.runner_label)
    for path, text in files.items():
        if args.files_out is None:
            out.print(f"# --- {path}\n{text}", end="", highlight=False, markup=False)
            continue
        target = Path(args.files_out) / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        err.print(f"wrote {target}", highlight=False, markup=False)
    return 0


def invocation(args: argparse.Namespace) -> str:
    """The render command as typed, flags normalised (for the files' header)."""
    words = ["python -m lab fanout render", args.fanout_engine, "--shards", args.shards]
    for flag, value, default in (
        ("--node-cpus", args.node_cpus, str(DEFAULT_NODE_CPUS)),
        ("--image", args.image, DEFAULT_IMAGE),
        ("--runner-label", args.runner_label, DEFAULT_RUNNER_LABEL),
    ):
        if value != default:
            words += [flag, value]
    words += run_flag_tokens(args.preset, given_settings(args))
    return " ".join(shlex.quote(word) if i else word for i, word in enumerate(words))
