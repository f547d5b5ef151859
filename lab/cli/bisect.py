"""`python -m lab bisect`: the first release of a package that made an app slower.

    lab bisect --app aio --package aiohttp --good 3.9.5 --bad 3.14.5 --scenario hello

Lists the releases from good to bad (lab.images.releases), then searches them with gates
(lab.model.bisect: good against bad, then good against the middle release in question):
each step is a `lab gate` of `APP@PACKAGE==GOOD` against `APP@PACKAGE==VERSION`, each
version's folder and image made once (lab.images.versions; an image is named by the hash
of its inputs, so a version already built is not built again). The search and every step's
run stay under `<out>/bisect-<app>-<package>-<good>-<bad>/`: bisect.json after each step,
and the same command resumes from it. The `lab run` flags (`--scenarios`, `--duration`,
`--repetitions`, ...) shape every gate.
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import os
from pathlib import Path
from typing import Any

from rich.console import Console

from lab.cli.gate import threshold_pct
from lab.errors import EXIT_INCONCLUSIVE, EXIT_OK, EXIT_REGRESSED, EXIT_TRIAL_FAILED, UsageError
from lab.model import bisect
from lab.model.bisect import Step

# A gate's exit code as a step's outcome; any other code is a run that failed.
OUTCOME_OF_EXIT = {
    EXIT_OK: bisect.PASS,
    EXIT_REGRESSED: bisect.REGRESSED,
    EXIT_INCONCLUSIVE: bisect.INCONCLUSIVE,
}
STATE = "bisect.json"


def register(sub: argparse._SubParsersAction[Any]) -> None:
    from lab.cli.options import add_run_options

    parser = sub.add_parser(
        "bisect",
        help="the first release of a package that made an app slower: a binary search of gates",
    )
    parser.add_argument("--app", required=True, help="an app of the lab, or an app folder")
    parser.add_argument("--package", required=True, help="the package whose releases to search")
    parser.add_argument("--good", required=True, metavar="VERSION", help="a release known fast")
    parser.add_argument("--bad", required=True, metavar="VERSION", help="a later, slower one")
    parser.add_argument(
        "--threshold",
        metavar="PCT",
        default="5",
        help="the smallest change in req/s that counts as a regression (default: 5)",
    )
    parser.add_argument(
        "--find-links",
        type=Path,
        metavar="DIR",
        help="a folder of the package's distributions, searched besides the index (uv, pip)",
    )
    add_run_options(parser)
    parser.set_defaults(func=cmd_bisect, base=None, head=None)


def cmd_bisect(args: argparse.Namespace, out: Console, err: Console) -> int:
    from lab.images.releases import releases

    threshold_pct(args.threshold)  # refused before the index is asked
    if args.find_links is not None:
        # Both resolvers read these: the locks (uv) and the wheels (pip) find the package.
        folder = str(args.find_links.resolve())
        os.environ["UV_FIND_LINKS"] = os.environ["PIP_FIND_LINKS"] = folder
    found = bisect.releases_between(releases(args.package, args.find_links), args.good, args.bad)
    home = Path(args.out or "results") / _folder_name(args)
    steps = _resumed(home, args, found)
    _say(err, f"bisect: {args.package} {args.good} .. {args.bad}: {len(found)} releases,"
         f" at most {bisect.max_gates(len(found))} gates; kept in {home}")  # fmt: skip
    state = bisect.search(found, steps)
    while (index := state.next_index()) is not None:
        step = _gate(args, found[index], home, err)
        steps.append(step)
        _save(home, args, found, steps)
        _say(err, f"step {len(steps)}: {args.package} {step.version}: {step.outcome}"
             f" ({step.summary})")  # fmt: skip
        state = bisect.search(found, steps)
    _save(home, args, found, steps)
    return _conclude(args, found, steps, state, out)


def _folder_name(args: argparse.Namespace) -> str:
    app = Path(args.app).name if "/" in args.app else args.app
    return f"bisect-{app}-{args.package}-{args.good}-{args.bad}".replace("/", "_")


def _gate(args: argparse.Namespace, version: str, home: Path, err: Console) -> Step:
    """One step: a gate of good against `version`, its tables kept off the terminal."""
    from lab.cli.gate import gate_config
    from lab.cli.running import run_into_folder, say_to

    ns = copy.copy(args)
    ns.base = f"{args.app}@{args.package}=={args.good}"
    ns.head = f"{args.app}@{args.package}=={version}"
    ns.out = str(home / "runs")
    config = gate_config(ns, say_to(err))
    tables = Console(file=io.StringIO(), width=200)
    code, run_dir = run_into_folder(config, tables, err)
    outcome = OUTCOME_OF_EXIT.get(code, bisect.FAILED)
    return Step(version, outcome, str(run_dir), _verdict_line(run_dir, code))


def _verdict_line(run_dir: Path, code: int) -> str:
    gate = run_dir / "gate.json"
    if not gate.is_file():
        return f"the gate's run failed with exit {code}; see {run_dir}"
    lines = []
    for verdict in json.loads(gate.read_text())["verdicts"]:
        ci = verdict.get("ci")
        shown = "" if ci is None else f" {verdict['ratio']:.3f}x ({ci[0]:.3f}-{ci[1]:.3f})"
        lines.append(f"{verdict['scenario']} @{verdict['connections']} {verdict['verdict']}{shown}")
    return "; ".join(lines)


def _identity(args: argparse.Namespace, found: tuple[str, ...]) -> dict[str, Any]:
    return {
        "app": args.app,
        "package": args.package,
        "good": args.good,
        "bad": args.bad,
        "threshold_pct": threshold_pct(args.threshold),
        "releases": list(found),
    }


def _resumed(home: Path, args: argparse.Namespace, found: tuple[str, ...]) -> list[Step]:
    from lab.results.schema import BISECT_KIND

    path = home / STATE
    if not path.is_file():
        return []
    data = json.loads(path.read_text())
    mine = _identity(args, found)
    if data.get("kind") != BISECT_KIND or {k: data.get(k) for k in mine} != mine:
        raise UsageError(
            f"{path}: a search with other releases or settings",
            "move that folder away, or give the same --app, --package, --good, --bad",
        )
    return [Step.from_dict(step) for step in data.get("steps", [])]


def _save(home: Path, args: argparse.Namespace, found: tuple[str, ...], steps: list[Step]) -> None:
    from lab.results.schema import BISECT_KIND, BISECT_SCHEMA_VERSION
    from lab.results.store import write_json_atomic

    home.mkdir(parents=True, exist_ok=True)
    state = bisect.search(found, steps)
    document = {
        "kind": BISECT_KIND,
        "schema_version": BISECT_SCHEMA_VERSION,
        **_identity(args, found),
        "steps": [step.to_dict() for step in steps],
        "ended": state.ended,
        "last_good": found[state.low] if state.confirmed else None,
        "first_bad": found[state.high] if state.ended == bisect.FOUND else None,
    }
    write_json_atomic(home / STATE, document)


def _conclude(
    args: argparse.Namespace,
    found: tuple[str, ...],
    steps: list[Step],
    state: bisect.Search,
    out: Console,
) -> int:
    lines = [f"{args.package} {args.good} .. {args.bad}: {len(steps)} gates"]
    lines += [f"  {step.version:<12} {step.outcome:<13} {step.summary}" for step in steps]
    low, high = found[state.low], found[state.high]
    code = EXIT_OK
    if state.ended == bisect.FOUND:
        lines.append(f"first regressed: {args.package} {high} ({low} passed)")
    elif state.ended == bisect.NOT_REGRESSED:
        lines.append(f"{args.bad} did not regress against {args.good}: nothing to find")
    else:
        failed = steps[-1].outcome == bisect.FAILED
        lines.append(
            f"undecided: {args.package} {steps[-1].version}'s gate "
            f"{'failed' if failed else 'was inconclusive'}; the first regressed release is"
            f" after {low} and at or before {high}"
        )
        code = EXIT_TRIAL_FAILED if failed else EXIT_INCONCLUSIVE
    for line in lines:
        out.print(line, highlight=False, markup=False, soft_wrap=True)
    return code


def _say(err: Console, line: str) -> None:
    err.print(line, highlight=False, markup=False)
