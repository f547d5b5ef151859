"""Run configuration: presets plus the flags a user gave, validated into a frozen RunConfig.

Every bad value becomes a UsageError that names the flag and the value, so the CLI can
print it and exit 2 without a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from lab.errors import UsageError
from lab.model.catalog import SCENARIOS, Catalog, builtin_catalog
from lab.model.cpurequest import CpuRequest, parse_cpus
from lab.model.fields import (
    FLAGS,
    as_bool,
    as_cpus,
    as_env,
    as_float,
    as_int,
    as_ints,
    as_names,
    as_optional_duration,
    as_optional_int,
    as_optional_percent,
    check_max,
    check_min,
    check_names,
    check_unique,
)
from lab.model.limits import MAX_CONNECTIONS, MAX_TRIAL_S, MAX_WORKERS
from lab.model.openload import (
    DEFAULT_RATES,
    DEFAULT_SLO_MS,
    MODES,
    RateSpec,
    StallSpec,
    parse_rates,
    parse_stall,
)
from lab.model.order import BLOCKED, ORDERS, SHUFFLED
from lab.model.topology import EngineTarget, as_engines

DEFAULT_PRESET = "default"

NETWORK_PATHS = ("bridge", "shared", "host")
# The lab sets these itself from its own flags; --app-env must not contradict them.
AA_SUFFIXES = ("a", "b")


@dataclass(frozen=True, slots=True)
class RunConfig:
    """Everything that decides what a run measures; recorded with its results."""

    apps: tuple[str, ...]
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
    preset: str
    timeout_s: float
    ready_timeout_s: float = 30.0
    app_env: tuple[tuple[str, str], ...] = ()
    ceiling: bool = True  # measure the harness ceiling (a static server) first
    # "shared": wrk in the app's network namespace; "host": every role on its host's
    # network (what roles on different engines use)
    network_path: str = "bridge"
    aa: str | None = None  # A/A: one app as two identical variants
    # --target-ci: add rounds until every headline interval is within this +-% of it,
    # bounded by max_repetitions rounds and max_time_s of run time (lab.analysis.precision).
    target_ci_pct: float | None = None
    max_repetitions: int | None = None
    max_time_s: float | None = None
    # --mode open: after the closed-loop trials, each app x scenario offered these rates
    # (lab.model.openload); p99 under slo_ms is the promise the knee is judged by.
    mode: str = "closed"
    rates: tuple[RateSpec, ...] = ()
    slo_ms: float = DEFAULT_SLO_MS
    inject_stall: StallSpec | None = None
    # The user's app folders given to --apps, as absolute paths; their apps are in `apps`.
    app_folders: tuple[str, ...] = ()
    # --engine / lab.toml: the roles that run on an engine of their own (model.topology).
    engines: tuple[EngineTarget, ...] = ()
    # The order of cells within a round (lab.model.order).
    order: str = BLOCKED

    def catalog(self) -> Catalog:
        """The lab's own apps and this run's folders (read from disk on each call)."""
        return builtin_catalog().with_folders(Path(folder) for folder in self.app_folders)

    def to_dict(self) -> dict[str, object]:
        return {
            "preset": self.preset,
            "apps": list(self.apps),
            "app_folders": list(self.app_folders),
            "scenarios": list(self.scenarios),
            "connections": list(self.connections),
            "threads": self.threads,
            "duration_s": self.duration_s,
            "warmup_s": self.warmup_s,
            "repetitions": self.repetitions,
            "cpus": self.cpus.to_dict(),
            "workers": self.workers,
            "access_log": self.access_log,
            "seed": self.seed,
            "out": self.out,
            "timeout_s": self.timeout_s,
            "ready_timeout_s": self.ready_timeout_s,
            "app_env": dict(self.app_env),
            "ceiling": self.ceiling,
            "network_path": self.network_path,
            "aa": self.aa,
            "target_ci_pct": self.target_ci_pct,
            "max_repetitions": self.max_repetitions,
            "max_time_s": self.max_time_s,
            "mode": self.mode,
            "rates": [rate.label for rate in self.rates],
            "slo_ms": self.slo_ms,
            "inject_stall": self.inject_stall.label if self.inject_stall else None,
            "engines": {target.role: target.to_dict() for target in self.engines},
            "order": self.order,
        }


def _preset(base: Mapping[str, object], **changes: object) -> Mapping[str, object]:
    return MappingProxyType({**base, **changes})


# `default` is what `make bench` runs: 8 rounds of 5 s trials, about 4.5 minutes on 2
# cores (see plan.estimate_seconds). Measured on this host at equal wall time (README,
# "Precision per minute"), 9 rounds of 4 s gave ratio intervals half as wide as 5 rounds
# of 8 s, and 13 of 2 s no better than 9 of 4 s; 5 s keeps the slowest cell's window
# above the 10,000 responses a p99.9 needs. Every preset names every field so help text
# can show it.
_DEFAULT: Mapping[str, object] = MappingProxyType(
    {
        "apps": ("flask", "aio"),
        "scenarios": ("hello", "hit"),
        "connections": (200,),
        "threads": None,
        "duration_s": 5.0,
        "warmup_s": 1.0,
        "repetitions": 8,
        "cpus": CpuRequest(),
        "workers": None,
        "access_log": False,
        "seed": 1,
        "out": "results",
        "timeout_s": 5.0,
        "ready_timeout_s": 30.0,
        "app_env": (),
        "app_folders": (),
        "ceiling": True,
        "network_path": "bridge",
        "aa": None,
        "target_ci_pct": None,
        "max_repetitions": None,
        "max_time_s": None,
        "mode": "closed",
        "rates": DEFAULT_RATES,
        "slo_ms": DEFAULT_SLO_MS,
        "inject_stall": None,
        "engines": (),
        "order": BLOCKED,
    }
)
# --target-ci's pilot: Stein's procedure takes its spread from the planned rounds, and two
# leave one degree of freedom (t = 12.7: hundreds of rounds asked for). See analysis.precision.
PILOT_MIN = 3
# --target-ci without --max-repetitions: Stein's procedure may ask for many rounds, and
# the simulations that prove its level go up to this many.
DEFAULT_MAX_REPETITIONS = 30

PRESETS: Mapping[str, Mapping[str, object]] = MappingProxyType(
    {
        DEFAULT_PRESET: _DEFAULT,
        # A smoke run of the whole matrix in under a minute; its numbers mean little.
        # In open mode, four rates rather than six, to stay a smoke run.
        "quick": _preset(
            _DEFAULT,
            connections=(64,),
            duration_s=2.0,
            warmup_s=1.0,
            repetitions=1,
            rates=("25%", "50%", "75%", "100%"),
        ),
        # The original article's parameters, kept to reproduce its numbers.
        "seed": _preset(
            _DEFAULT,
            threads=8,
            duration_s=10.0,
            warmup_s=2.0,
            repetitions=3,
            workers=4,
            access_log=True,
        ),
        # Rounds until every app ratio is known within +-5% (95%), for at most 30 min.
        "precise": _preset(
            _DEFAULT, target_ci_pct=5.0, max_repetitions=DEFAULT_MAX_REPETITIONS, max_time_s=1800.0
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

    apps, app_folders, catalog = _resolve_apps(
        as_names("apps", values["apps"]), as_names("app_folders", values.get("app_folders", ()))
    )
    check_names("apps", apps, catalog.apps, "app")
    aa = values["aa"]
    if aa is not None:
        if not isinstance(aa, str) or aa not in catalog.apps:
            known = ", ".join(catalog.apps)
            raise UsageError(
                f"--aa: unknown app {aa!r} (known: {known})", f"give --aa one of: {known}"
            )
        # Two identically configured variants, interleaved like any two apps.
        # Catalog.app() maps each variant back to its app.
        apps = tuple(f"{aa}:{suffix}" for suffix in AA_SUFFIXES)
    scenarios = as_names("scenarios", values["scenarios"])
    check_names("scenarios", scenarios, SCENARIOS, "scenario")

    connections = as_ints("connections", values["connections"])
    if not connections:
        raise UsageError("--connections: empty list", "give one or more levels, e.g. 64,200")
    for level in connections:
        check_min(
            "connections", level, 1, strict=False, hint="give each level at least 1 connection"
        )
        check_max(
            "connections",
            level,
            MAX_CONNECTIONS,
            why="one wrk's ports and one gunicorn worker's connections",
            hint=f"give each level at most {MAX_CONNECTIONS:,}, e.g. --connections 64,200,1000",
        )
    check_unique("connections", connections)

    threads = as_optional_int("threads", values["threads"])
    if threads is not None:
        check_min("threads", threads, 1, strict=False, hint="give --threads at least 1, or auto")
    workers = as_optional_int("workers", values["workers"])
    if workers is not None:
        check_min("workers", workers, 1, strict=False, hint="give --workers at least 1, or auto")
        check_max(
            "workers",
            workers,
            MAX_WORKERS,
            why="the app container's 1 GiB and 512 processes",
            hint=f"give --workers at most {MAX_WORKERS}, or auto (one per app CPU)",
        )

    duration_s = as_float("duration_s", values["duration_s"])
    check_min(
        "duration_s", duration_s, 0, strict=True, hint="give --duration seconds above 0, e.g. 8"
    )
    warmup_s = as_float("warmup_s", values["warmup_s"])
    check_min("warmup_s", warmup_s, 0, strict=False, hint="give --warmup 0 or more seconds")
    timeout_s = as_float("timeout_s", values["timeout_s"])
    check_min("timeout_s", timeout_s, 0, strict=True, hint="give --timeout seconds above 0, e.g. 5")
    for field, value in (
        ("duration_s", duration_s),
        ("warmup_s", warmup_s),
        ("timeout_s", timeout_s),
    ):
        check_max(
            field,
            value,
            MAX_TRIAL_S,
            why="an hour measures the host's drift; repeat shorter trials instead",
            hint=f"give {FLAGS[field]} at most {MAX_TRIAL_S} seconds, and more --repetitions",
        )
    # wrk reads -d and --timeout as whole seconds; a fraction would silently not run.
    for field, value in (
        ("duration_s", duration_s),
        ("warmup_s", warmup_s),
        ("timeout_s", timeout_s),
    ):
        if value != int(value):
            raise UsageError(
                f"{FLAGS[field]} {value:g}: wrk runs whole seconds",
                f"give {FLAGS[field]} a whole number of seconds, e.g. {max(1, round(value))}",
            )

    repetitions = as_int("repetitions", values["repetitions"])
    check_min("repetitions", repetitions, 1, strict=False, hint="give --repetitions at least 1")
    seed = as_int("seed", values["seed"])
    check_min("seed", seed, 0, strict=False, hint="give --seed 0 or more")

    ready_timeout_s = as_float("ready_timeout_s", values["ready_timeout_s"])
    check_min(
        "ready_timeout_s",
        ready_timeout_s,
        0,
        strict=True,
        hint="give --ready-timeout seconds above 0, e.g. 30",
    )
    app_env = as_env(values["app_env"])
    network_path = values["network_path"]
    if network_path not in NETWORK_PATHS:
        raise UsageError(
            f"--network-path: unknown path {network_path!r}",
            f"give --network-path one of: {', '.join(NETWORK_PATHS)}",
        )

    order = values["order"]
    if order not in ORDERS:
        raise UsageError(
            f"--order: unknown order {order!r}", f"give --order one of: {', '.join(ORDERS)}"
        )

    target_ci_pct, max_repetitions, max_time_s = _precision(values, repetitions)
    mode, rates, slo_ms, inject_stall = _open_mode(values, overrides)

    out = values["out"]
    if not isinstance(out, str) or not out.strip():
        raise UsageError(
            f"--out: {out!r} is not a directory name", "give --out a directory, e.g. results"
        )

    return RunConfig(
        apps=apps,
        scenarios=scenarios,
        connections=connections,
        threads=threads,
        duration_s=duration_s,
        warmup_s=warmup_s,
        repetitions=repetitions,
        cpus=as_cpus(values["cpus"]),
        workers=workers,
        access_log=as_bool("access_log", values["access_log"]),
        seed=seed,
        out=out,
        preset=preset,
        timeout_s=timeout_s,
        ready_timeout_s=ready_timeout_s,
        app_env=app_env,
        ceiling=as_bool("ceiling", values["ceiling"]),
        network_path=str(network_path),
        aa=aa,
        target_ci_pct=target_ci_pct,
        max_repetitions=max_repetitions,
        max_time_s=max_time_s,
        mode=mode,
        rates=rates,
        slo_ms=slo_ms,
        inject_stall=inject_stall,
        app_folders=app_folders,
        engines=as_engines(values.get("engines", ())),
        order=str(order),
    )


def is_folder(entry: str) -> bool:
    """An --apps entry that names a folder (./mine, ../x, /abs, a/b) rather than an app."""
    return "/" in entry or entry in (".", "..")


def _resolve_apps(
    entries: tuple[str, ...], recorded_folders: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[str, ...], Catalog]:
    """The app names an --apps list stands for, the user's folders in it, and the catalog.

    `all` is every app of the lab's own; a folder stands for its app and its variants.
    `recorded_folders` are the folders of a run being resumed, whose apps are listed by name.
    """
    folders = list(recorded_folders)
    folders += [str(Path(entry).expanduser().resolve()) for entry in entries if is_folder(entry)]
    folders = list(dict.fromkeys(folders))
    catalog = builtin_catalog().with_folders(Path(folder) for folder in folders)
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


def _open_mode(
    values: Mapping[str, object], overrides: Mapping[str, object]
) -> tuple[str, tuple[RateSpec, ...], float, StallSpec | None]:
    """--mode and what only open mode reads (--rates, --slo); --inject-stall, both modes."""
    mode = values["mode"]
    if mode not in MODES:
        raise UsageError(
            f"--mode: unknown mode {mode!r}", f"give --mode one of: {', '.join(MODES)}"
        )
    if mode == "closed":
        for field in ("rates", "slo_ms"):
            if field in overrides:
                raise UsageError(
                    f"{FLAGS[field]} applies to open-loop runs, and this one is closed-loop",
                    f"add --mode open, or drop {FLAGS[field]}",
                )
    raw_rates = values["rates"]
    if isinstance(raw_rates, tuple) and all(isinstance(r, RateSpec) for r in raw_rates):
        rates: tuple[RateSpec, ...] = raw_rates
    elif isinstance(raw_rates, str | tuple | list):
        rates = parse_rates(raw_rates if isinstance(raw_rates, str) else tuple(map(str, raw_rates)))
    else:
        raise UsageError(f"--rates: {raw_rates!r} is not a list of rates", "e.g. --rates 10%,50%")
    slo_ms = as_float("slo_ms", values["slo_ms"])
    check_min("slo_ms", slo_ms, 0, strict=True, hint="give --slo milliseconds above 0, e.g. 100")
    stall = values["inject_stall"]
    inject_stall = parse_stall(stall) if isinstance(stall, str) else stall
    if inject_stall is not None and not isinstance(inject_stall, StallSpec):
        raise UsageError(f"--inject-stall: {stall!r} is not PAUSE/PERIOD", "e.g. 500ms/5s")
    return str(mode), rates, slo_ms, inject_stall


def _precision(
    values: Mapping[str, object], repetitions: int
) -> tuple[float | None, int | None, float | None]:
    """--target-ci and its bounds, checked together: the bounds mean nothing without it."""
    target = as_optional_percent("target_ci_pct", values["target_ci_pct"])
    max_repetitions = as_optional_int("max_repetitions", values["max_repetitions"])
    max_time_s = as_optional_duration("max_time_s", values["max_time_s"])
    if target is None:
        for field, value in (("max_repetitions", max_repetitions), ("max_time_s", max_time_s)):
            if value is not None:
                raise UsageError(
                    f"{FLAGS[field]} bounds --target-ci, which was not given",
                    f"add --target-ci PCT (e.g. --target-ci 5), or drop {FLAGS[field]}",
                )
        return None, None, None
    if not 0 < target < 100:
        raise UsageError(
            f"--target-ci: {target:g}% is not between 0 and 100",
            "give the interval half-width you want as a percentage, e.g. --target-ci 5",
        )
    pilot = max(repetitions, PILOT_MIN)
    if max_repetitions is None:
        max_repetitions = max(DEFAULT_MAX_REPETITIONS, pilot)
    if max_repetitions < pilot:
        raise UsageError(
            f"--max-repetitions {max_repetitions} is below the {pilot} planned rounds",
            f"give --max-repetitions at least {pilot}: the planned rounds (at least"
            f" {PILOT_MIN} with --target-ci) always run",
        )
    if max_time_s is not None:
        check_min("max_time_s", max_time_s, 0, strict=True, hint="give --max-time e.g. 30m")
    return target, max_repetitions, max_time_s


def config_from_dict(data: Mapping[str, object]) -> RunConfig:
    """The RunConfig a run.json's `parameters` describe (the inverse of RunConfig.to_dict)."""
    preset = data.get("preset")
    if not isinstance(preset, str):
        raise UsageError("run.json: parameters have no preset", "the file is damaged")
    # Runs made before the blocked order recorded none: theirs was the shuffled one.
    overrides: dict[str, object] = {"order": SHUFFLED}
    for key, value in data.items():
        if key == "preset":
            continue
        if key not in FLAGS:
            raise UsageError(f"run.json: unknown parameter {key!r}", "the file is damaged")
        if key == "cpus" and isinstance(value, Mapping):
            overrides[key] = parse_cpus(",".join(f"{k}={v}" for k, v in value.items()))
        elif key == "app_env" and isinstance(value, Mapping):
            overrides[key] = tuple((str(k), str(v)) for k, v in value.items())
        elif key == "engines" and isinstance(value, Mapping):
            overrides[key] = as_engines(value)
        elif key == "app_folders" and isinstance(value, list):
            overrides[key] = tuple(str(v) for v in value)
        elif key == "apps" and data.get("aa"):
            continue  # derived from aa
        elif key in ("rates", "slo_ms") and data.get("mode", "closed") == "closed":
            continue  # recorded for every run, read only in open mode
        elif isinstance(value, list):
            overrides[key] = tuple(value)
        else:
            overrides[key] = value
    return build_config(preset, overrides)
