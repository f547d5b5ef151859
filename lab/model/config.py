"""Run configuration: presets plus the flags a user gave, validated into a frozen RunConfig.

Every bad value becomes a UsageError that names the flag and the value, so the CLI can
print it and exit 2 without a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from lab.errors import UsageError
from lab.model.catalog import Catalog, builtin_catalog
from lab.model.cpurequest import CpuRequest
from lab.model.fields import DEFAULTS, FIELD, FIELDS, FLAGS
from lab.model.flagvalues import check_min, check_names
from lab.model.openload import RateSpec, StallSpec
from lab.model.shards import Shard, check_shard
from lab.model.topology import EngineTarget
from lab.model.versions import AppVersion, is_folder

DEFAULT_PRESET = "default"

# The two variants of --aa's app.
AA_SUFFIXES = ("a", "b")


@dataclass(frozen=True, slots=True, kw_only=True)
class RunConfig:
    """Everything that decides what a run measures; recorded with its results.

    Each field but the preset is declared in lab.model.fields, in this order (run.json's).
    """

    preset: str
    apps: tuple[str, ...]
    # The user's app folders given to --apps, as absolute paths; their apps are in `apps`.
    app_folders: tuple[str, ...]
    # The apps at another version (`aio@aiohttp==3.9.5`): the entries and the folders the
    # lab derived for them (lab.images.versions); their apps are in `apps`.
    versions: tuple[AppVersion, ...]
    scenarios: tuple[str, ...]
    connections: tuple[int, ...]
    threads: int | None  # None: one wrk thread per wrk CPU
    duration_s: float
    warmup_s: float
    repetitions: int
    cpus: CpuRequest
    workers: int | None  # None: one gunicorn worker per app CPU
    access_log: bool
    seed: int
    out: str
    timeout_s: float
    ready_timeout_s: float
    app_env: tuple[tuple[str, str], ...]
    ceiling: bool  # measure the harness ceiling (a static server) first
    # "shared": wrk in the app's network namespace; "host": every role on its host's
    # network (what roles on different engines use)
    network_path: str
    aa: str | None  # A/A: one app as two identical variants
    # --target-ci: add rounds until every headline interval is within this +-% of it,
    # bounded by max_repetitions rounds and max_time_s of run time (lab.analysis.precision).
    target_ci_pct: float | None
    max_repetitions: int | None
    max_time_s: float | None
    # --mode open: after the closed-loop trials, each app x scenario offered these rates
    # (lab.model.openload); p99 under slo_ms is the promise the knee is judged by.
    mode: str
    rates: tuple[RateSpec, ...]
    slo_ms: float
    inject_stall: StallSpec | None
    # --engine / lab.toml: the roles that run on an engine of their own (model.topology).
    engines: tuple[EngineTarget, ...]
    # The order of cells within a round (lab.model.order).
    order: str
    # --gate: add rounds until HEAD's (apps[1]) verdict against BASE (apps[0]) is decided
    # at this threshold in percent, bounded like --target-ci (lab.analysis.gate).
    gate_pct: float | None
    # --shard I/N: only this shard's rounds of the whole plan (lab.model.shards).
    shard: Shard | None

    def catalog(self) -> Catalog:
        """The lab's own apps and this run's folders (read from disk on each call)."""
        return builtin_catalog().with_folders(_folders(self.app_folders, self.versions))

    def to_dict(self) -> dict[str, object]:
        recorded = {field.name: field.record(getattr(self, field.name)) for field in FIELDS}
        return {"preset": self.preset, **recorded}


def _preset(base: Mapping[str, object], **changes: object) -> Mapping[str, object]:
    return MappingProxyType({**base, **changes})


# --target-ci's pilot: Stein's procedure takes its spread from the planned rounds, and two
# leave one degree of freedom (t = 12.7: hundreds of rounds asked for). See analysis.precision.
PILOT_MIN = 3
# --gate's first look: two mirrored pairs of rounds, each app at the same mean position.
GATE_MIN = 4
# --target-ci without --max-repetitions: Stein's procedure may ask for many rounds, and
# the simulations that prove its level go up to this many.
DEFAULT_MAX_REPETITIONS = 30

# Every preset names every field (each changes the default one), so help text can show it.
PRESETS: Mapping[str, Mapping[str, object]] = MappingProxyType(
    {
        DEFAULT_PRESET: DEFAULTS,
        # A smoke run of the whole matrix in under a minute; its numbers mean little.
        # In open mode, four rates rather than six, to stay a smoke run.
        "quick": _preset(
            DEFAULTS,
            connections=(64,),
            duration_s=2.0,
            warmup_s=1.0,
            repetitions=1,
            rates=("25%", "50%", "75%", "100%"),
        ),
        # The original article's parameters, kept to reproduce its numbers.
        "seed": _preset(
            DEFAULTS,
            threads=8,
            duration_s=10.0,
            warmup_s=2.0,
            repetitions=3,
            workers=4,
            access_log=True,
        ),
        # Rounds until every app ratio is known within +-5% (95%), for at most 30 min.
        "precise": _preset(
            DEFAULTS, target_ci_pct=5.0, max_repetitions=DEFAULT_MAX_REPETITIONS, max_time_s=1800.0
        ),
    }
)


def build_config(preset: str, overrides: Mapping[str, object]) -> RunConfig:
    """Start from `preset`, apply the overrides the user gave, and validate the result.

    Override keys are RunConfig field names (duration_s, not --duration); values may be
    typed or still flag text. Raises UsageError naming the flag of the first bad value.
    """
    if preset not in PRESETS:
        known = ", ".join(PRESETS)
        raise UsageError(
            f"--preset: unknown preset {preset!r} (known: {known})", f"pick one of: {known}"
        )
    unknown = sorted(set(overrides) - set(FLAGS))
    if unknown:
        raise UsageError(
            f"unknown setting {unknown[0]!r}", f"settings are: {', '.join(sorted(FLAGS))}"
        )
    values = {**PRESETS[preset], **overrides}
    _refuse_open_loop_flags(values, overrides)
    read: dict[str, Any] = {field.name: field.value_of(values[field.name]) for field in FIELDS}

    apps, read["app_folders"], catalog = _resolve_apps(
        read["apps"], read["app_folders"], read["versions"]
    )
    check_names(FLAGS["apps"], apps, catalog.apps, "app")
    check_names(FLAGS["scenarios"], read["scenarios"], catalog.scenarios, "scenario")
    aa = read["aa"]
    if aa is not None:
        if not isinstance(aa, str) or aa not in catalog.apps:
            known = ", ".join(catalog.apps)
            raise UsageError(
                f"--aa: unknown app {aa!r} (known: {known})", f"give --aa one of: {known}"
            )
        # Two identically configured variants, interleaved like any two apps.
        # Catalog.app() maps each variant back to its app.
        apps = tuple(f"{aa}:{suffix}" for suffix in AA_SUFFIXES)
    read["apps"] = apps
    _refuse_bodies_in_open_loop(read, catalog)
    _check_gate(read, apps)
    _check_shard(read)
    read["max_repetitions"] = _max_repetitions(read)
    return RunConfig(preset=preset, **read)


def _folders(app_folders: tuple[str, ...], versions: tuple[AppVersion, ...]) -> list[Path]:
    return [Path(folder) for folder in (*app_folders, *(v.folder for v in versions))]


def _resolve_apps(
    entries: tuple[str, ...], recorded_folders: tuple[str, ...], versions: tuple[AppVersion, ...]
) -> tuple[tuple[str, ...], tuple[str, ...], Catalog]:
    """The app names an --apps list stands for, the user's folders in it, and the catalog.

    `all` is every app of the lab's own; a folder stands for its app and its variants.
    `recorded_folders` are the folders of a run being resumed, whose apps are listed by name.
    An app at another version is in `entries` by its name once its folder is derived, and
    that folder is in `versions` (lab.images.versions.resolve_entries does both).
    """
    folders = list(recorded_folders)
    folders += [str(Path(entry).expanduser().resolve()) for entry in entries if is_folder(entry)]
    folders = list(dict.fromkeys(folders))
    catalog = builtin_catalog().with_folders(_folders(tuple(folders), versions))
    names: list[str] = []
    for entry in entries:
        if entry == "all":
            names += catalog.everything()
        elif is_folder(entry):
            resolved = Path(entry).expanduser().resolve()
            names += [app.name for app in catalog.folder(resolved.name).apps]
        else:
            names.append(entry)
    return tuple(names), tuple(folders), catalog


def _refuse_open_loop_flags(values: Mapping[str, object], overrides: Mapping[str, object]) -> None:
    """--rates and --slo given to a closed-loop run: said before either value is read."""
    if FIELD["mode"].value_of(values["mode"]) != "closed":
        return
    for field in ("rates", "slo_ms"):
        if field in overrides:
            raise UsageError(
                f"{FLAGS[field]} applies to open-loop runs, and this one is closed-loop",
                f"add --mode open, or drop {FLAGS[field]}",
            )


def _refuse_bodies_in_open_loop(read: Mapping[str, Any], catalog: Catalog) -> None:
    """openload (--mode open) sends a plain GET: a scenario that needs more is refused."""
    if read["mode"] != "open":
        return
    for name in read["scenarios"]:
        request = catalog.scenario(name).request
        if request.what_more():  # a mix of plain GETs is still plain GETs
            raise UsageError(
                f"--scenarios: {name} sends {request.what_more()}, and the open-loop"
                " generator sends plain GET requests only",
                f"measure {name} closed-loop (drop --mode open), or leave it out of --scenarios",
            )


def _max_repetitions(read: Mapping[str, Any]) -> int | None:
    """The rounds --target-ci or --gate may run to, after checking the rule and its bounds
    together: the bounds mean nothing without a rule that adds rounds."""
    target, gate = read["target_ci_pct"], read["gate_pct"]
    max_repetitions, max_time_s = read["max_repetitions"], read["max_time_s"]
    if target is not None and gate is not None:
        raise UsageError(
            "--target-ci and --gate each decide when a run stops adding rounds",
            "give one: --gate to judge HEAD against BASE, --target-ci for a narrow interval",
        )
    rule = FLAGS["target_ci_pct"] if target is not None else FLAGS["gate_pct"]
    percent = target if target is not None else gate
    if percent is None:
        for field in ("max_repetitions", "max_time_s"):
            if read[field] is not None:
                raise UsageError(
                    f"{FLAGS[field]} bounds --target-ci or --gate, and neither was given",
                    f"add --target-ci PCT (e.g. --target-ci 5) or --gate PCT, or drop"
                    f" {FLAGS[field]}",
                )
        return None
    if not 0 < percent < 100:
        example = "--target-ci 5" if target is not None else "--gate 5"
        raise UsageError(
            f"{rule}: {percent:g}% is not between 0 and 100",
            f"give the percentage as a number between 0 and 100, e.g. {example}",
        )
    pilot = max(read["repetitions"], PILOT_MIN if target is not None else GATE_MIN)
    if max_repetitions is None:
        max_repetitions = max(DEFAULT_MAX_REPETITIONS, pilot)
    if max_repetitions < pilot:
        raise UsageError(
            f"--max-repetitions {max_repetitions} is below the {pilot} planned rounds",
            f"give --max-repetitions at least {pilot}: the planned rounds always run",
        )
    if max_time_s is not None:
        flag = FLAGS["max_time_s"]
        check_min(flag, max_time_s, 0, strict=True, hint=f"give {flag} e.g. 30m")
    return int(max_repetitions)


def _check_gate(read: Mapping[str, Any], apps: tuple[str, ...]) -> None:
    """--gate judges one app against another: exactly two, BASE first."""
    if read["gate_pct"] is not None and len(apps) != 2:
        raise UsageError(
            f"--gate judges HEAD against BASE, and --apps gives {len(apps)} apps"
            f" ({', '.join(apps)})",
            "give two apps, BASE then HEAD: --apps aio,./my-aio (or `lab gate BASE HEAD`)",
        )


# What a shard cannot be: runs whose rounds are decided by all the rounds before them.
_WHOLE_RUN_ONLY = (
    ("target_ci_pct", "--target-ci adds rounds from the spread of every round before"),
    ("gate_pct", "--gate adds rounds from the verdict on every round before"),
    ("aa", "--aa raises the rounds and reads the resolution from all of them"),
)


def _check_shard(read: Mapping[str, Any]) -> None:
    """--shard splits a fixed plan: refused with a rule that needs the whole run, with
    open mode (its sweeps are not rounds), and with more shards than rounds."""
    shard = read["shard"]
    if shard is None:
        return
    flag = FLAGS["shard"]
    for field, why in _WHOLE_RUN_ONLY:
        if read[field] is not None:
            raise UsageError(
                f"{flag} with {FLAGS[field]}: {why}, so it needs the whole run",
                f"drop {flag}, or drop {FLAGS[field]} and shard a fixed number of rounds",
            )
    if read["mode"] == "open":
        raise UsageError(
            f"{flag} with --mode open: the open-loop sweeps are not rounds to share out",
            f"drop {flag}, or measure closed-loop only",
        )
    check_shard(flag, shard, read["repetitions"])


def config_from_dict(data: Mapping[str, object]) -> RunConfig:
    """The RunConfig a run.json's `parameters` describe (the inverse of RunConfig.to_dict)."""
    preset = data.get("preset")
    if not isinstance(preset, str):
        raise UsageError("run.json: parameters have no preset", "the file is damaged")
    overrides = {field.name: field.unrecorded for field in FIELDS if field.unrecorded is not None}
    for key, value in data.items():
        if key == "preset":
            continue
        if key not in FLAGS:
            raise UsageError(f"run.json: unknown parameter {key!r}", "the file is damaged")
        if key == "apps" and data.get("aa"):
            continue  # derived from aa
        if key in ("rates", "slo_ms") and data.get("mode", "closed") == "closed":
            continue  # recorded for every run, read only in open mode
        overrides[key] = value
    return build_config(preset, overrides)
