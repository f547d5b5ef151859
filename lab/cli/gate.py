"""`python -m lab gate BASE HEAD`: did HEAD make the app slower? One run, a verdict a CI
job can act on.

The gate is a run of the two apps with --gate (lab.analysis.gate): both in every round,
rounds added while a level is undecided, within --max-time. It writes gate.json and
gate.md (short enough for a pull-request comment) into the run folder and exits 0 when
every level is `no change` or `improved`, EXIT_REGRESSED when a level regressed,
EXIT_INCONCLUSIVE when none regressed but one stayed undecided; a run that broke exits
as any run does (docs/gate.md).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rich.console import Console

from lab.errors import EXIT_INCONCLUSIVE, EXIT_OK, EXIT_REGRESSED, UsageError
from lab.images.versions import Say
from lab.model.config import RunConfig

DEFAULT_THRESHOLD_PCT = 5.0
DEFAULT_MAX_TIME = "20m"
# Flags whose job the gate's arguments do.
TAKEN = {"apps": "BASE and HEAD", "aa": "BASE and HEAD", "target_ci_pct": "the gate's looks"}


def register(sub: argparse._SubParsersAction[Any]) -> None:
    from lab.cli.options import add_run_options

    gate = sub.add_parser(
        "gate",
        help="HEAD against BASE in one interleaved run: regressed, improved, no change or"
        " inconclusive per scenario; exit 0 pass, 10 regressed, 11 inconclusive",
    )
    gate.add_argument("base", metavar="BASE", help="the reference: an app, a folder, APP@PIN")
    gate.add_argument("head", metavar="HEAD", help="the version judged against BASE")
    gate.add_argument(
        "--threshold",
        metavar="PCT",
        default=f"{DEFAULT_THRESHOLD_PCT:g}",
        help="the smallest change in req/s that matters, in percent (default: 5)",
    )
    add_run_options(gate)
    gate.set_defaults(func=cmd_gate)


def gate_config(args: argparse.Namespace, say: Say) -> RunConfig:
    """The run a gate is: BASE and HEAD, --gate at the threshold, bounded by default."""
    from lab.analysis.gate import GATE_MAX_ROUNDS
    from lab.cli.options import config_from_args, given_settings
    from lab.model.fields import FLAGS

    settings = given_settings(args)
    for name, instead in TAKEN.items():
        if name in settings:
            raise UsageError(
                f"{FLAGS[name]}: `lab gate` takes {instead} instead",
                f"drop {FLAGS[name]}; `lab run --gate PCT` is the same run with free flags",
            )
    if "gate_pct" in settings:
        raise UsageError("--gate: `lab gate` sets it from --threshold", "drop --gate")
    if args.base == args.head:
        # The app against itself: an A/A gate, its two variants from one image.
        settings["aa"] = args.base
    else:
        settings["apps"] = f"{args.base},{args.head}"
    settings["gate_pct"] = threshold_pct(args.threshold)
    settings.setdefault("max_repetitions", GATE_MAX_ROUNDS)
    settings.setdefault("max_time_s", DEFAULT_MAX_TIME)
    return config_from_args(args, say, settings=settings)


def threshold_pct(text: str) -> float:
    try:
        value = float(text.removesuffix("%"))
    except ValueError:
        value = float("nan")
    if not 0 < value < 100:
        raise UsageError(
            f"--threshold: {text!r} is not a percentage between 0 and 100",
            "give the smallest change that matters, e.g. --threshold 5",
        )
    return value


def cmd_gate(args: argparse.Namespace, out: Console, err: Console) -> int:
    from lab.cli.running import run_and_report, say_to

    return run_and_report(gate_config(args, say_to(err)), out, err)


def reproduce_command(config: RunConfig) -> str:
    """The command that runs this gate again: its two apps as given, its design."""
    catalog = config.catalog()
    # A version is given as its entry (aio@aiohttp==3.9.5), not the folder derived from it.
    entered = {version.folder: version.entry for version in config.versions}
    entries = []
    for app in config.apps:
        folder = catalog.folder(catalog.app(app).image)
        given = str(folder.path) if folder.external else config.aa or app
        entries.append(entered.get(str(folder.path), given))
    return (
        f"python -m lab gate {entries[0]} {entries[1]} --threshold {config.gate_pct:g}"
        f" --scenarios {','.join(config.scenarios)} --repetitions {config.repetitions}"
        f" --duration {config.duration_s:g}s --seed {config.seed}"
    )


def finish_gate(config: RunConfig, run_dir: Path, out: Console) -> int:
    """gate.json and gate.md from the run's trials; the verdicts printed; the exit code."""
    from lab.analysis.gate import INCONCLUSIVE, REGRESSED, GateRule, gate_report
    from lab.analysis.runs import load_run
    from lab.report.gatetext import gate_markdown
    from lab.results.store import write_json_atomic, write_text_atomic

    data = load_run(run_dir)
    rule = GateRule.of(config)
    gate = gate_report(
        data.run_id, data.records, rule, data.summary.drift, reproduce_command(config)
    )
    write_json_atomic(run_dir / "gate.json", gate.to_dict())
    text = gate_markdown(gate, _image_lines(config, data.provenance), str(run_dir))
    write_text_atomic(run_dir / "gate.md", text)
    for line in text.splitlines():
        out.print(line, highlight=False, markup=False, soft_wrap=True)
    return {REGRESSED: EXIT_REGRESSED, INCONCLUSIVE: EXIT_INCONCLUSIVE}.get(gate.outcome, EXIT_OK)


def _image_lines(config: RunConfig, provenance: Any) -> list[str]:
    """Each version's image and the locked versions it records (run.json's provenance)."""
    images = provenance.get("images", {}) if isinstance(provenance, Mapping) else {}
    catalog = config.catalog()
    lines = []
    for role, app in zip(("BASE", "HEAD"), config.apps, strict=True):
        image = images.get(catalog.app(app).image, {})
        image = image if isinstance(image, Mapping) else {}
        labels = image.get("labels", {})
        versions = labels.get("lab.versions") or "no lock"
        lines.append(f"{role} `{app}`: {image.get('tag', '?')} ({versions})")
    return lines
