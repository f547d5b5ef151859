"""How a run was made, for the report's last part: the run, its parameters, the placement
and the limits read back, the host during the windows, the lab, engine and images.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lab.analysis.disturbance import host_summary
from lab.images.labels import BASE_ORIGIN, BASE_SOURCE, BASE_SUITE, LOCK_HASH, VERSIONS
from lab.measure.hostcpu import KINDS
from lab.model.cpurequest import CPU_ROLES
from lab.results.reader import RunData, as_object
from lab.text import DASH, format_duration, numbered

Rows = tuple[tuple[str, ...], ...]
# The tag already ends with the inputs hash; the lock hash's prefix is enough to tell locks apart.
# The versions are the lock's framework and servers (and a pin's package): an app beside
# itself at another version differs there.
IMAGE_COLUMNS = ("image", "tag", "ID", "lock hash", "versions")


@dataclass(frozen=True, slots=True)
class Section:
    """A titled list of label/value pairs (parameters, engine, host...)."""

    title: str
    rows: tuple[tuple[str, str], ...]


def sections(data: RunData) -> tuple[Section, ...]:
    return (
        _run_section(data),
        _parameters(data),
        _placement(data),
        *_host(data),
        *_provenance(data),
    )


def _run_section(data: RunData) -> Section:
    run = data.run
    elapsed = run.elapsed_s
    return Section(
        "Run",
        (
            ("run id", data.run_id),
            ("status", data.status),
            ("started", when(run.created_at)),
            ("finished", when(run.finished_at)),
            ("elapsed", DASH if elapsed is None else format_duration(float(elapsed))),
            ("trials", f"{data.planned} planned, {data.ok} ok, {len(data.failed_records)} failed"),
        ),
    )


def _parameters(data: RunData) -> Section:
    params, effective = data.parameters, as_object(data.run.effective)
    # None means "auto" for these flags: the lab chose, and "effective" says what.
    rows = [_parameter(key, value) for key, value in params.items() if key != "out"]
    for key in ("threads", "workers", "connections"):
        if key in effective and _show(effective[key]) != _show(params.get(key)):
            rows.append((f"{key} (effective)", _show(effective[key])))
    return Section("Parameters", tuple(rows))


def _parameter(key: str, value: Any) -> tuple[str, str]:
    if value is None and key in ("threads", "workers"):
        return key, "auto"
    if key.endswith("_s"):
        # A missing value gets no unit: a bare dash, not a dash in seconds.
        return key[:-2].replace("_", " "), _show(value) if value is None else f"{_show(value)} s"
    return key.replace("_", " "), _show(value)


def _limits(applied: Mapping[str, Any]) -> str:
    quota, memory = applied.get("cpus_quota"), applied.get("memory_bytes")
    return ", ".join(
        (
            f"cpuset {_show(applied.get('cpuset'))}",
            "no CPU quota" if quota is None else f"CPU quota {_show(quota)}",
            "no memory limit" if memory is None else f"memory {_gib(memory)}",
        )
    )


def _placement(data: RunData) -> Section:
    placement, applied = as_object(data.run.placement), as_object(data.run.applied)
    rows = []
    for role in CPU_ROLES:
        wanted = as_object(placement.get(role))
        if wanted:
            quota = "" if wanted.get("nano_cpus") is None else ", CFS quota"
            cpus = f"cpuset {wanted.get('cpuset')}, {_show(wanted.get('cpus'))} CPU{quota}"
            rows.append((f"{role} requested", cpus))
        if role == "app":
            # The app container is new each trial; each trial's verification read it back.
            read_back = [as_object(as_object(r.verification).get("applied")) for r in data.records]
            seen = {_limits(limits) for limits in read_back if limits}
            if seen:
                rows.append(("app applied", " | ".join(sorted(seen))))
        elif limits := as_object(applied.get(role)):
            rows.append((f"{role} applied", _limits(limits)))
    return Section("Placement and limits", tuple(rows))


def _host(data: RunData) -> list[Section]:
    """What else ran on the placement's CPUs during the windows, when the trials measured it."""
    cpus, controller = host_summary(data.records)
    if controller is None:
        return []

    def share(pair: tuple[float, float]) -> str:
        return f"{pair[0] * 100:.1f}% (max {pair[1] * 100:.1f}%)"

    rows = [
        (
            f"CPU {cpu.cpu} ({'/'.join(cpu.roles)})",
            ", ".join(f"{kind} {share(cpu.shares[kind])}" for kind in KINDS),
        )
        for cpu in cpus
    ]
    where = as_object(as_object(data.provenance).get("host")).get("controller_cpus")
    on = f", on {numbered('CPU', where)}" if isinstance(where, list) and where else ""
    rows.append(("controller", f"{share(controller)} of a CPU{on}"))
    windows = max((cpu.windows for cpu in cpus), default=0)
    return [Section(f"Host during the measured windows (median of {windows})", tuple(rows))]


def _provenance(data: RunData) -> list[Section]:
    prov = data.provenance
    lab, engine, host = (as_object(prov.get(k)) for k in ("lab", "engine", "host"))
    git = as_object(lab.get("git"))
    base = as_object(prov.get("base_image"))
    labels = as_object(base.get("labels"))
    origin = " ".join(str(labels[k]) for k in (BASE_SOURCE, BASE_SUITE, BASE_ORIGIN) if k in labels)
    memory = engine.get("memory_bytes")
    return [
        Section(
            "Lab",
            (
                ("version", _show(lab.get("version"))),
                ("git sha", _show(git.get("sha"))),
                ("uncommitted changes", _show(git.get("dirty"))),
                ("base image", _show(base.get("tag"))),
                ("base image ID", _show(base.get("id"))),
                ("base made by", origin or DASH),
            ),
        ),
        Section("Engine", (*_pick(engine, _ENGINE_KEYS), ("memory", _gib(memory)))),
        Section("Host", _pick(host, _HOST_KEYS)),
    ]


_ENGINE_KEYS = (
    ("Docker version", "version"),
    ("API", "api_version"),
    ("OS", "os"),
    ("kernel", "kernel"),
    ("cgroup", "cgroup_version"),
    ("cgroup driver", "cgroup_driver"),
    ("storage driver", "storage_driver"),
    ("CPUs", "cpus"),
)
_HOST_KEYS = (
    ("CPU model", "cpu_model"),
    ("CPUs", "cpus"),
    ("kernel", "kernel"),
    ("cgroup", "cgroup_version"),
    ("controller Python", "controller_python"),
)


def _pick(data: Mapping[str, Any], keys: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((label, _show(data.get(key))) for label, key in keys)


def _gib(size: Any) -> str:
    return f"{size / 2**30:.1f} GiB" if isinstance(size, int | float) else DASH


def images(provenance: Mapping[str, Any]) -> Rows:
    """One row per image the run used, under IMAGE_COLUMNS."""
    rows = []
    for name, image in as_object(provenance.get("images")).items():
        image = as_object(image)
        labels = as_object(image.get("labels"))
        rows.append(
            (
                str(name),
                _show(image.get("tag")),
                _show(image.get("id")),
                _show(labels.get(LOCK_HASH))[:16],
                _show(labels.get(VERSIONS) or None),
            )
        )
    return tuple(rows)


def _show(value: Any) -> str:
    if value is None:
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return f"{value:.0f}"
    if isinstance(value, list):
        return ", ".join(_show(item) for item in value) or DASH
    if isinstance(value, dict):
        return ", ".join(f"{k} {_show(v)}" for k, v in value.items()) or DASH
    return str(value)


def when(stamp: Any) -> str:
    """A recorded ISO time as the report shows it; a dash when there is none."""
    if not isinstance(stamp, str):
        return DASH
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    return moment.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
