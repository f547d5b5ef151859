"""Was it the app that ran out of capacity? Checks of CPU use, throttling and placement.

A req/s figure describes the app only if the app was the bottleneck: wrk, Redis or a CPU
quota can each cap the number first. The per-trial CPU shares (of each container's own
allotment, over wrk's measured duration) tell which.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from lab.analysis.checks.cells import cell_label, ok_trials_by_cell
from lab.analysis.checks.findings import cell_finding, run_finding
from lab.measure.cpu import CpuUse
from lab.model.cpurequest import CPU_ROLES
from lab.results.findings import Finding
from lab.results.records import TrialRecord
from lab.results.summarydoc import Summary
from lab.text import format_rate, numbered, percent, plural

SATURATED_SHARE = 0.90  # a helper at this share of its allotment may be what sets the pace
APP_IDLE_SHARE = 0.80  # an app below this share was waiting on something else
# The roles besides the app that can set a cell's pace, in the order findings name them:
# PostgreSQL only in the runs that start it.
HELPERS = ("wrk", "redis", "postgres")
# PostgreSQL at this share of a full CPU it shares with wrk is named beside wrk.
DATABASE_SHARE = 0.5
CEILING_FRACTION = 0.5  # above this fraction of the harness ceiling, the harness may show


def check_ceiling(summary: Summary, ceiling_rps: float) -> list[Finding]:
    """Warn for each cell whose median req/s exceeds half of the harness ceiling.

    The ceiling is the req/s of a minimal static server answering the same text in the
    same placement: the most this wrk, network path and CPU split can show. A cell near
    it may measure the harness. Without such a cell, one info finding states the ceiling
    and the fastest cell's fraction of it.
    """
    if not (math.isfinite(ceiling_rps) and ceiling_rps > 0):
        raise ValueError(f"ceiling_rps must be a positive number, got {ceiling_rps!r}")
    medians = [
        (cell.key, float(cell.rps_median)) for cell in summary.cells if cell.rps_median is not None
    ]
    ceiling = format_rate(ceiling_rps)
    findings = [
        cell_finding(
            "warning",
            "near-harness-ceiling",
            key,
            f"median {format_rate(rps)} req/s is {percent(rps / ceiling_rps)} of the harness"
            f" ceiling of {ceiling} req/s (a static server in the same placement), above"
            f" {percent(CEILING_FRACTION)}: it may measure wrk and the network path, not the"
            " app.",
            "Treat this cell's req/s as a lower bound of the app's; give wrk more CPU"
            " (--cpus wrk=N) or compare apps at a heavier scenario.",
        )
        for key, rps in medians
        if rps > CEILING_FRACTION * ceiling_rps
    ]
    if findings or not medians:
        return findings or [
            run_finding(
                "info",
                "harness-ceiling",
                f"the harness ceiling is {ceiling} req/s; no cell has a median to compare.",
                "Nothing to do.",
            )
        ]
    key, fastest = max(medians, key=lambda item: item[1])
    return [
        run_finding(
            "info",
            "harness-ceiling",
            f"the harness ceiling is {ceiling} req/s; the fastest cell, {cell_label(key)} at"
            f" {format_rate(fastest)} req/s, reaches {percent(fastest / ceiling_rps)} of it.",
            f"Nothing to do: every cell stays below {percent(CEILING_FRACTION)} of the ceiling.",
        )
    ]


def check_generator(records: Sequence[TrialRecord], host_cpus: int | None = None) -> list[Finding]:
    """Warn for each cell where wrk may have set the pace in a trial: it used >= 90% of
    the CPU its threads can use, was throttled, or a CPU it runs on was >= 90% busy
    with everything on it (Redis, softirq and steal included; from the host's evidence).
    """
    findings = []
    for key, trials in ok_trials_by_cell(records).items():
        uses = [(use, trial.threads) for trial in trials if (use := trial.cpu["wrk"]) is not None]
        shares = [usable_share(use, threads) for use, threads in uses]
        busy = [share for share in shares if share >= SATURATED_SHARE]
        throttled = [use for use, _ in uses if use.throttled_periods > 0]
        full = [cpu for trial in trials for cpu in full_cpus(trial, "wrk")]
        if not busy and not throttled and not full:
            continue
        parts = []
        if busy:
            parts.append(
                f"used {percent(SATURATED_SHARE)} or more of the CPU its threads can use in"
                f" {len(busy)} of {plural(len(uses), 'trial')} (up to {percent(max(busy))})"
            )
        if throttled:
            parts.append(f"was throttled in {len(throttled)} of {plural(len(uses), 'trial')}")
        if full:
            cpu, share = max(full, key=lambda item: item[1])
            parts.append(
                f"ran on a CPU {percent(SATURATED_SHARE)} or more busy with everything on it"
                f" in {len(full)} of {plural(len(trials), 'trial')} (CPU {cpu} up to"
                f" {percent(share)})"
            )
        allotment = max((use.cpus for use, _ in uses), default=1.0)
        # PostgreSQL runs on Redis's CPUs, which on a small host are wrk's: when it filled
        # that CPU, the database may have set the pace as much as the generator.
        database = [use.share for t in trials if (use := t.cpu.get("postgres")) is not None]
        pace = "the load generator may have set the pace"
        if full and database and max(database) >= DATABASE_SHARE:
            pace = (
                f"the load generator, or PostgreSQL beside it (up to {percent(max(database))}"
                " of that CPU), may have set the pace"
            )
        findings.append(
            cell_finding(
                "warning",
                "generator-saturated",
                key,
                f"wrk {' and '.join(parts)}, so {pace}.",
                f"{more_cpu_remedy(['wrk'], allotment, host_cpus)}; until then this cell's req/s"
                " is a lower bound.",
            )
        )
    return findings


def check_bottleneck(records: Sequence[TrialRecord], host_cpus: int | None = None) -> list[Finding]:
    """Warn for each cell where the app sat below 80% of its CPU while wrk or Redis was
    at 90% of what it can use, or their CPU was 90% busy with everything on it."""
    findings = []
    for key, trials in ok_trials_by_cell(records).items():
        app_shares: list[float] = []
        roles: set[str] = set()
        for trial in trials:
            app = trial.cpu["app"]
            busy = [role for role in HELPERS if role in trial.cpu and _pace_setting(trial, role)]
            if app is not None and app.share < APP_IDLE_SHARE and busy:
                app_shares.append(app.share)
                roles.update(busy)
        if not app_shares:
            continue
        ordered = sorted(roles, key=HELPERS.index)
        helpers = " and ".join(ordered)
        allotment = max(
            (use.cpus for trial in trials for r in roles if (use := trial.cpu[r]) is not None),
            default=1.0,
        )
        findings.append(
            cell_finding(
                "warning",
                "bottleneck-elsewhere",
                key,
                f"the app used less than {percent(APP_IDLE_SHARE)} of its CPU"
                f" ({', '.join(percent(share) for share in app_shares)}) while {helpers} or"
                f" {'their' if len(roles) > 1 else 'its'} CPU was {percent(SATURATED_SHARE)}"
                f" or more busy in {len(app_shares)} of {plural(len(trials), 'trial')}, so"
                f" {helpers}, not the app, set the pace.",
                f"{more_cpu_remedy(ordered, allotment, host_cpus)}; until then this cell's"
                " req/s understates the app.",
            )
        )
    return findings


def usable_share(use: CpuUse, threads: int | None) -> float:
    """The share of the CPU a role can actually use: wrk with 1 thread on 2 CPUs can
    use one of them, so 50% of its allotment is all of what it can use."""
    usable = min(use.cpus, float(threads)) if threads else use.cpus
    return use.share * use.cpus / usable if usable > 0 else use.share


def full_cpus(trial: TrialRecord, role: str) -> list[tuple[int, float]]:
    """The CPUs of `role` that were >= 90% busy with everything on them during the window
    (tasks, softirq and steal, from the host's evidence), with their busy share."""
    return [
        (cpu.cpu, cpu.occupied_share)
        for cpu in (trial.host.cpus if trial.host else ())
        if role in cpu.roles and cpu.occupied_share >= SATURATED_SHARE
    ]


def more_cpu_remedy(roles: Sequence[str], allotment: float, host_cpus: int | None) -> str:
    """Give the roles more CPU — when this host has CPUs to give beyond the app's one."""
    more = math.floor(allotment) + 1
    names = " and ".join(roles)
    flag = "--cpus " + ",".join(f"{role}={more}" for role in roles)
    # The app keeps at least one CPU of its own; Redis may share wrk's.
    if host_cpus is not None and host_cpus < more + 1:
        return (
            f"This host's {plural(host_cpus, 'CPU')} cannot give {names} more without"
            f" taking the app's: on a host with {more + 1} or more CPUs, use {flag}"
        )
    threads = " --threads auto" if "wrk" in roles else ""
    return f"Give {names} more CPU ({flag}{threads}) and re-run"


def _pace_setting(trial: TrialRecord, role: str) -> bool:
    use = trial.cpu[role]
    # Redis runs commands on one thread; PostgreSQL's backends are processes, but a share
    # of its CPUs is what it can use.
    threads = trial.threads if role == "wrk" else 1
    if use is not None and usable_share(use, threads) >= SATURATED_SHARE:
        return True
    return bool(full_cpus(trial, role))


def check_throttling(records: Sequence[TrialRecord]) -> list[Finding]:
    """Warn for each cell where the CFS quota throttled any container during the window."""
    findings = []
    for key, trials in ok_trials_by_cell(records).items():
        parts = []
        for role in CPU_ROLES:
            hit = [use for use in _uses(trials, role) if use.throttled_periods > 0]
            if hit:
                periods = sum(use.throttled_periods for use in hit)
                seconds = sum(use.throttled_s for use in hit)
                parts.append(
                    f"{role} in {len(hit)} of {plural(len(trials), 'trial')}"
                    f" ({plural(periods, 'period')}, {seconds:.2f} s)"
                )
        if parts:
            findings.append(
                cell_finding(
                    "warning",
                    "throttled",
                    key,
                    f"the CPU quota throttled {'; '.join(parts)} during the measured window.",
                    "A quota (fractional --cpus) pauses a container mid-window and inflates"
                    " latency: give each role whole CPUs, e.g. --cpus app=1.",
                )
            )
    return findings


def check_placement(placement: Mapping[str, Any] | None) -> list[Finding]:
    """Info when Redis shares CPUs with wrk (a deliberate compromise on small hosts); a
    warning if the app shares CPUs with either, which placement should never allow.

    `placement` is run.json's section of that name."""
    if not isinstance(placement, Mapping):
        return []
    ids = {role: _cpu_ids(placement.get(role)) for role in CPU_ROLES}
    if any(cpu_ids is None for cpu_ids in ids.values()):
        return []
    # Roles on different hosts (placement's `hosts`) share no CPU whatever their numbers:
    # each CPU is counted as (host, number).
    host_of = {role: n for n, group in enumerate(placement.get("hosts") or ()) for role in group}
    sets = {
        role: {(host_of.get(role, 0), cpu) for cpu in cpu_ids or ()}
        for role, cpu_ids in ids.items()
    }
    needed = sum(len(cpu_ids) for cpu_ids in sets.values())
    findings = []
    for helper in ("wrk", "redis"):
        shared = sorted(cpu for _, cpu in sets["app"] & sets[helper])
        if shared:
            findings.append(
                run_finding(
                    "warning",
                    "app-shares-cpus",
                    f"the app shares {numbered('CPU', shared)} with {helper}, so its CPU is not"
                    " its own.",
                    f"Place the roles on disjoint CPUs (a host with {needed} CPUs) and re-run.",
                )
            )
    shared = sorted(cpu for _, cpu in sets["redis"] & sets["wrk"])
    if shared:
        findings.append(
            run_finding(
                "info",
                "redis-shares-wrk-cpus",
                f"redis shares {numbered('CPU', shared)} with wrk, a deliberate compromise on a"
                " small host: in /hit cells Redis and the load generator compete for that CPU.",
                f"For disjoint CPUs, run on a host with at least {needed} CPUs.",
            )
        )
    return findings


def _uses(trials: Sequence[TrialRecord], role: str) -> list[CpuUse]:
    return [use for use in (trial.cpu[role] for trial in trials) if use is not None]


def _cpu_ids(slot: Any) -> list[int] | None:
    if not isinstance(slot, Mapping):
        return None
    ids = slot.get("cpu_ids")
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
        return None
    return ids
