"""The flags `python -m lab run` and `python -m lab plan` share, and their conversion.

The flags come from lab.model.fields' table. Every option defaults to None so a preset
value is overridden only by a flag the user actually gave. Values stay text in argparse and
are converted by the table's readers, so a bad value is our UsageError (named flag, a hint,
exit 2) rather than argparse's message.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

from lab.errors import UsageError
from lab.images.versions import Say, quiet, resolve_entries, restore_parameters
from lab.model.config import DEFAULT_PRESET, PRESETS, RunConfig, build_config, config_from_dict
from lab.model.cpurequest import CpuRequest
from lab.model.fields import FIELD, FIELDS, Field
from lab.model.flagvalues import as_names
from lab.model.topology import EngineTarget, merge_targets, parse_engine_flag, parse_lab_toml
from lab.model.versions import is_folder, parse_entry
from lab.paths import WORKDIR


def _shown(value: object) -> str:
    if value is None:
        return "auto"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, tuple):
        return ",".join(_shown(item) for item in value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, CpuRequest):
        return value.to_text()
    return str(value)


def _default(field: str) -> str:
    return f"(default preset: {_shown(PRESETS[DEFAULT_PRESET][field])})"


def add_run_options(parser: argparse.ArgumentParser, without: tuple[str, ...] = ()) -> None:
    """Add the benchmark flags to a `run` or `plan` subcommand parser, but the fields
    `without` (`lab fanout render` has an --out of its own)."""
    group = parser.add_argument_group("benchmark options")
    group.add_argument(
        "--preset",
        metavar="{" + ",".join(PRESETS) + "}",
        help=f"starting values that the flags below override (default: {DEFAULT_PRESET})",
    )
    for field in FIELDS:
        if field.is_option and field.name not in without:
            _add_option(group, field)
    _add_config_option(group)


def add_engine_options(group: argparse._ActionsContainer) -> None:
    """--engine and --config: where each role runs (`run`, `plan` and `clean` take them)."""
    _add_option(group, FIELD["engines"])
    _add_config_option(group)


def _add_option(group: argparse._ActionsContainer, field: Field) -> None:
    text = f"{field.help} {_default(field.name)}" if field.shows_default else field.help
    # argparse formats help with %, so a percentage must be escaped.
    text = text.replace("%", "%%")
    if field.form == "switch":
        group.add_argument(field.flag, action=argparse.BooleanOptionalAction, help=text)
        return
    action = "append" if field.form == "repeated" else "store"
    group.add_argument(field.flag, metavar=field.metavar, action=action, help=text)


def _add_config_option(group: argparse._ActionsContainer) -> None:
    group.add_argument(
        "--config",
        metavar="FILE",
        help="a lab.toml whose [engines] table places roles as --engine does (flags win)",
    )


def _dest(field: Field) -> str:
    """Where argparse keeps the flag's value: its name without dashes."""
    return field.flag.removeprefix("--").replace("-", "_")


def given_settings(ns: argparse.Namespace) -> dict[str, object]:
    """The RunConfig fields the user set on the command line, still as flag text.

    build_config parses and validates them, so errors name the flag either way.
    """
    return {
        field.name: value
        for field in FIELDS
        if field.is_option
        and (value := getattr(ns, _dest(field), None)) is not None
        and value != []
    }


def config_from_args(
    ns: argparse.Namespace,
    say: Say = quiet,
    workdir: Path = WORKDIR,
    settings: dict[str, object] | None = None,
) -> RunConfig:
    """The validated RunConfig for parsed flags (or `settings` made from them, as `lab
    gate` makes its own); raises UsageError on a bad value.

    Apps at another version (`aio@aiohttp==3.9.5`) are derived first, into `workdir`,
    so that the configuration names them and records their folders.
    """
    preset = getattr(ns, "preset", None)
    settings = given_settings(ns) if settings is None else settings
    targets = engine_targets(ns)
    if targets:
        settings["engines"] = targets
    settings.update(_derived_versions(settings, say, workdir))
    return build_config(DEFAULT_PRESET if preset is None else str(preset), settings)


def config_from_run(
    parameters: Mapping[str, object], say: Say = quiet, workdir: Path = WORKDIR
) -> RunConfig:
    """The RunConfig a run.json records, its versions' folders found again or, where
    they are gone, derived again into `workdir` (--resume and rerun)."""
    return config_from_dict(restore_parameters(parameters, workdir, say))


def _derived_versions(settings: dict[str, object], say: Say, workdir: Path) -> dict[str, object]:
    """--apps and --aa with each `X@SPEC` derived (lab.images.versions), and the versions."""
    apps, aa = settings.get("apps"), settings.get("aa")
    entries = as_names(FIELD["apps"].flag, apps) if apps is not None else ()
    aa_version = isinstance(aa, str) and parse_entry(aa, FIELD["aa"].flag) is not None
    if not aa_version and all(parse_entry(entry) is None for entry in entries):
        return {}
    names, versions = resolve_entries(entries, workdir, say)
    derived: dict[str, object] = {"apps": names} if apps is not None else {}
    if aa_version:
        # A/A of a version: its two variants run the one derived folder.
        folders = [entry for entry in entries if parse_entry(entry) is None and is_folder(entry)]
        aa_names, aa_versions = resolve_entries((str(aa),), workdir, say, folders)
        derived["aa"] = aa_names[0]
        versions += aa_versions
    derived["versions"] = tuple({version.folder: version for version in versions}.values())
    return derived


def engine_targets(ns: argparse.Namespace) -> tuple[EngineTarget, ...]:
    """The engines --config's file and the --engine flags name, the flags winning."""
    path = getattr(ns, "config", None)
    from_file: tuple[EngineTarget, ...] = ()
    if path is not None:
        try:
            text = Path(path).read_text()
        except OSError as exc:
            raise UsageError(
                f"--config {path}: {exc.strerror or exc}", "give the path of a lab.toml"
            ) from exc
        from_file = parse_lab_toml(text, path)
    flags = tuple(parse_engine_flag(text) for text in getattr(ns, "engine", None) or ())
    return merge_targets(from_file, flags)
