"""A run's report: what it found (headline, table, warnings) and how it was made (provenance).

`build_content` turns a loaded run into a `ReportContent` of plain strings, which
`markdown` and `html` lay out; so both files always say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lab.analysis.assess import assess
from lab.analysis.disturbance import host_summary
from lab.images.labels import BASE_ORIGIN, BASE_SOURCE, BASE_SUITE, LOCK_HASH
from lab.measure.hostcpu import KINDS
from lab.model.cpurequest import CPU_ROLES
from lab.report.driftrows import drift_lines
from lab.report.opencontent import OpenContent, open_content, open_run_findings
from lab.report.ranking import Ranking, legend, ranked, ranked_headline, rankings
from lab.report.rows import ROW_LABELS, precision_line, ratio_caveat
from lab.report.rows import blocks as table_blocks
from lab.results.findings import Finding
from lab.results.reader import RunData, as_object
from lab.results.summarydoc import Ratio, Summary
from lab.text import (
    DASH,
    TIMES,
    format_duration,
    format_level,
    format_rate,
    format_ratio,
    format_ratio_interval,
    numbered,
)

Rows = tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Section:
    """A titled list of label/value pairs (parameters, engine, host...)."""

    title: str
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class ResultBlock:
    """One scenario x connections level: a row per label, a value per app."""

    title: str
    labels: tuple[str, ...]
    rows: Rows


@dataclass(frozen=True, slots=True)
class ReportContent:
    title: str
    subtitle: str
    headline: tuple[str, ...]
    findings: tuple[tuple[str, str], ...]  # (severity, text), worst first
    notes: tuple[str, ...]
    apps: tuple[str, ...]
    blocks: tuple[ResultBlock, ...]
    failed: Rows
    sections: tuple[Section, ...]
    images: Rows
    sources: str
    open: OpenContent | None = None  # open mode's results; None for a closed-loop run
    # With more apps than columns fit: a ranking per block, shown instead of `blocks`.
    rankings: tuple[Ranking, ...] = ()
    ranking_legend: str = ""
    drift: tuple[str, ...] = ()  # every cell round by round, and the host's speed


FAILED_COLUMNS = ("trial", "app", "scenario", "connections", "repetition", "reason")
# The tag already ends with the inputs hash; the lock hash's prefix is enough to tell locks apart.
IMAGE_COLUMNS = ("image", "tag", "ID", "lock hash")


def headline(summary: Summary) -> list[str]:
    """One sentence per ratio: "aio serves 4.5x flask's requests on hello (95% CI 3.7-6.5x)".

    The ratio is blocked by round where it can be, and the CI's level is the one it achieves.

    (The sentences use a multiplication sign and an en dash.) A run of one app has no
    ratio: its sentences give each cell's median instead.
    """
    if ranked(summary):
        precise = [] if summary.precision is None else [precision_line(summary.precision)]
        return ranked_headline(summary) + precise
    cells = summary.cells
    levels: dict[str, set[int]] = {}
    for cell in cells:
        levels.setdefault(cell.scenario, set()).add(cell.connections)

    def where(scenario: str, connections: int) -> str:
        if len(levels.get(scenario, ())) > 1:
            return f"{scenario} at {connections} connections"
        return scenario

    lines = []
    for entry in summary.ratios:
        top, bottom = entry.numerator, entry.denominator
        place = where(entry.scenario, entry.connections)
        ratio, ci = entry.ratio, entry.ci
        if ratio is None:
            lines.append(f"{top} vs {bottom} on {place}: no ratio (no ok trials or zero req/s)")
            continue
        line = f"{top} serves {format_ratio(ratio)}{TIMES} {bottom}'s requests on {place}"
        if ci is not None:
            line += f" ({format_level(ci.level)} CI {format_ratio_interval(ci.pair, ratio)}{TIMES}"
            line += ", paired by round)" if entry.pairs else ")"
            if ci.low <= 1 <= ci.high:
                line += f": the interval includes 1{TIMES}, no clear difference"
        lines.append(line + ratio_caveat(summary, entry))
    precise = [] if summary.precision is None else [precision_line(summary.precision)]
    if lines:
        return lines + precise
    for cell in cells:
        if cell.rps_median is None:
            continue
        line = f"{cell.app} serves {format_rate(cell.rps_median)} req/s on"
        line += f" {where(cell.scenario, cell.connections)}"
        ci = cell.rps_ci
        if ci is not None:
            line += f" (median; {format_level(ci.level)} CI {format_rate(ci.low)}{DASH}"
            line += f"{format_rate(ci.high)})"
        lines.append(line)
    return lines + precise if lines else ["no ok trials: there is nothing to compare"]


def findings(data: RunData) -> list[tuple[str, str]]:
    """What a reader should know before trusting the numbers, worst first: (severity, text)."""
    found: list[str] = []
    if data.status != "complete":
        why = f"; it stopped because {data.run.reason}" if data.run.reason else ""
        found.append(
            f"the run is {data.status}: {len(data.records)} of {data.planned} trials recorded{why}"
        )
    if data.summary_recomputed:
        found.append("summary.json is missing; the summary here is recomputed from the trials")
    if data.failed_records:
        found.append(
            f"{len(data.failed_records)} of {data.planned} trials failed and are left out of"
            " the statistics; their reasons are listed under Failed trials"
        )
    git = as_object(as_object(data.provenance.get("lab")).get("git"))
    if git.get("dirty"):
        found.append(
            f"the lab's git tree was dirty (uncommitted changes on {_short(git.get('sha'))}):"
            " the code that ran is not exactly that commit"
        )
    # Then the lab's own checks: the findings the terminal showed after the run.
    checks = [
        (f.severity, f"{f.message} {DASH} {f.remedy}")
        for f in [*_findings(data), *open_run_findings(data)]
    ]
    return [("warning", text) for text in found] + checks


def _findings(data: RunData) -> list[Finding]:
    recorded = data.summary.findings
    if recorded is not None:
        return list(recorded)
    return assess(data.run, data.records, data.summary)


def build_content(data: RunData) -> ReportContent:
    summary, apps = data.summary, data.apps
    created = _when(data.run.created_at)
    trials = f"{data.ok} of {data.planned} trials ok"
    return ReportContent(
        title=" vs ".join(apps) if apps else "no apps",
        subtitle=" \N{MIDDLE DOT} ".join((f"run {data.run_id}", created, data.status, trials)),
        headline=tuple(headline(summary)),
        findings=tuple(findings(data)),
        notes=tuple(data.notes),
        apps=tuple(apps),
        blocks=tuple(_result_blocks(summary, apps)),
        rankings=tuple(rankings(summary)) if ranked(summary) else (),
        ranking_legend=legend(summary) if ranked(summary) else "",
        failed=tuple(
            (str(r.index), r.app, r.scenario, str(r.connections), str(r.repetition), r.reason or "")
            for r in data.failed_records
        ),
        sections=(
            _run_section(data),
            _parameters(data),
            _placement(data),
            *_host(data),
            *_provenance(data),
        ),
        images=_images(data.provenance),
        sources=f"run.json, {'recomputed' if data.summary_recomputed else 'summary.json'}"
        f" and {len(data.records)} trial files"
        + (f" and {len(data.sweeps)} open-loop sweeps" if data.sweeps else "")
        + f" in {data.path.name}/",
        open=open_content(data),
        drift=tuple(drift_lines(summary, data.records)),
    )


def _result_blocks(summary: Summary, apps: Sequence[str]) -> list[ResultBlock]:
    ratios = {(r.scenario, r.connections, r.numerator): r for r in summary.ratios}
    baseline = apps[0] if apps else ""
    blocks = []
    for block in table_blocks(summary, apps):
        key = (block.scenario, block.connections)
        ratio_row = tuple(
            "baseline" if app == baseline else _ratio_text(ratios.get((*key, app))) for app in apps
        )
        blocks.append(
            ResultBlock(
                title=block.title,
                labels=(*ROW_LABELS, f"vs {baseline}"),
                rows=(*block.rows, ratio_row),
            )
        )
    return blocks


def _ratio_text(entry: Ratio | None) -> str:
    if entry is None or entry.ratio is None:
        return DASH
    text = f"{format_ratio(entry.ratio)}{TIMES}"
    if entry.ci is None:
        return text
    interval = format_ratio_interval(entry.ci.pair, entry.ratio)
    return f"{text} ({format_level(entry.ci.level)}: {interval})"


def _run_section(data: RunData) -> Section:
    run = data.run
    elapsed = run.elapsed_s
    return Section(
        "Run",
        (
            ("run id", data.run_id),
            ("status", data.status),
            ("started", _when(run.created_at)),
            ("finished", _when(run.finished_at)),
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
        return key[:-2].replace("_", " "), f"{_show(value)} s"
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


def _images(provenance: Mapping[str, Any]) -> Rows:
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


def _when(stamp: Any) -> str:
    if not isinstance(stamp, str):
        return DASH
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    return moment.strftime("%Y-%m-%d %H:%M:%S %Z").strip()


def _short(sha: Any) -> str:
    return str(sha)[:12] if sha else "an unknown commit"
