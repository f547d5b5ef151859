"""Checks of what each trial reported: failures, request errors, and too few responses.

A req/s figure is a rate of successful responses, so a cell whose trials saw errors is
never averaged into a headline silently (see headline_ok), and latency percentiles are
only as good as the number of responses behind them.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from lab.analysis.checks.cells import ok_trials_by_cell, trials_by_cell
from lab.analysis.checks.findings import cell_finding
from lab.results.findings import Finding
from lab.results.records import TrialRecord
from lab.results.summarydoc import SummaryCell
from lab.text import TIMES, format_rate, numbered, plural

ERROR_FRACTION = 0.01  # above this share of attempts, request errors are an error
# A percentile q is trusted when at least this many responses lie beyond it, that is
# when a trial has at least MIN_TAIL_SAMPLES / (1 - q) responses.
MIN_TAIL_SAMPLES = 10
# Each reported percentile with 1 / (1 - q), an integer so the needed counts are exact.
PERCENTILE_TAILS = (("p50", 2), ("p75", 4), ("p90", 10), ("p99", 100), ("p99.9", 1000))
ERROR_LABELS = {
    "connect": "connect errors",
    "read": "read errors",
    "write": "write errors",
    "status": "4xx/5xx responses",
    "timeout": "timeouts",
}
_ERROR_REMEDIES = {
    "status": "find out why the app answered 4xx/5xx",
    "timeout": "lower --connections or raise --timeout",
    "socket": "check the app's backlog and workers, or lower --connections",
}
# Codes whose cell must not be averaged into a headline (besides any error finding).
HEADLINE_BLOCKERS = frozenset({"request-errors"})


def check_errors(records: Sequence[TrialRecord]) -> list[Finding]:
    """A finding for each cell whose ok trials saw request errors of any kind.

    Severity "error" when they exceed 1% of attempts (requests completed plus socket
    errors and timeouts, which wrk does not count as requests), else "warning".
    """
    findings = []
    for key, trials in ok_trials_by_cell(records).items():
        counted = [trial.errors for trial in trials if trial.errors is not None]
        sums = {kind: sum(getattr(errors, kind) for errors in counted) for kind in ERROR_LABELS}
        total = sum(sums.values())
        if not total:
            continue
        affected = sum(1 for errors in counted if errors.total)
        # wrk counts late and >399 responses among its requests; lost connections it does not.
        lost = sums["connect"] + sums["read"] + sums["write"]
        attempts = sum(trial.requests or 0 for trial in trials) + lost
        fraction = total / attempts
        kinds = ", ".join(f"{sums[kind]:,} {ERROR_LABELS[kind]}" for kind in sums if sums[kind])
        remedies = [_ERROR_REMEDIES["status"]] if sums["status"] else []
        remedies += [_ERROR_REMEDIES["timeout"]] if sums["timeout"] else []
        if sums["connect"] or sums["read"] or sums["write"]:
            remedies.append(_ERROR_REMEDIES["socket"])
        findings.append(
            cell_finding(
                "error" if fraction > ERROR_FRACTION else "warning",
                "request-errors",
                key,
                f"{kinds} in {affected} of {plural(len(trials), 'trial')}, {_fraction(fraction)} of"
                f" {attempts:,} attempts; req/s counts only successes and the latency"
                f" percentiles leave out requests that never completed.{_logged_cause(trials)}",
                f"Keep this cell out of headlines; {'; '.join(remedies)}.",
            )
        )
    return findings


# What the apps log for each /hit they answer 503 (apps/*/app.py).
_LOGGED_503 = re.compile(r"/hit answered 503: (?P<kind>\w+): (?P<text>.*)")


def _logged_cause(trials: Sequence[TrialRecord]) -> str:
    """The sentence naming the 503 causes the trials' app logs give (most common first,
    with TIMES between count and kind), or "" when the logs name none."""
    causes: Counter[str] = Counter()
    example: dict[str, str] = {}
    for trial in trials:
        for match in _LOGGED_503.finditer(trial.app_log or ""):
            causes[match["kind"]] += 1
            example.setdefault(match["kind"], match["text"].strip()[:100])
    if not causes:
        return ""
    named = ", ".join(f"{n}{TIMES}{kind} ({example[kind]})" for kind, n in causes.most_common(3))
    return f" The app's log says why (its last lines): {named}."


def headline_ok(cell: SummaryCell, findings: Sequence[Finding]) -> bool:
    """May this summary cell's median go into a headline?

    No when it has no median, when its trials counted any request error, or when a
    finding about it is an error or a request-errors finding.
    """
    if cell.rps_median is None or cell.error_total:
        return False
    key = cell.key
    return not any(
        finding.cell_key == key
        and (finding.severity == "error" or finding.code in HEADLINE_BLOCKERS)
        for finding in findings
    )


def check_failed(records: Sequence[TrialRecord]) -> list[Finding]:
    """A finding per cell with failed trials, their reasons grouped by kind.

    A warning while the cell still has ok trials; an error when none is left.
    """
    findings = []
    for key, trials in trials_by_cell(records).items():
        failed = [trial for trial in trials if trial.status == "failed"]
        if not failed:
            continue
        kinds: dict[str, list[int]] = {}
        for trial in failed:
            for kind in _reason_kinds(trial.reason or "no reason recorded"):
                kinds.setdefault(kind, []).append(trial.index)
        reasons = "; ".join(
            f"{kind}: {numbered('trial', indices)}" for kind, indices in kinds.items()
        )
        ok = len(trials) - len(failed)
        outcome = "the cell has no numbers" if not ok else f"its statistics use the other {ok}"
        first = failed[0].index
        findings.append(
            cell_finding(
                "error" if not ok else "warning",
                "failed-trials",
                key,
                f"{len(failed)} of {plural(len(trials), 'trial')} failed ({reasons}); {outcome}.",
                f"Read the reason and app_log in trials/{first:04d}.json; re-run if the"
                " failure was transient, fix the app or the setup if it repeats.",
            )
        )
    return findings


def check_window(records: Sequence[TrialRecord]) -> list[Finding]:
    """Warn for each cell where a trial had too few ok responses for a percentile it reports.

    Percentile q is unreliable with fewer than 10 responses beyond it, that is fewer than
    10 / (1 - q) in the trial: 1,000 for p99, 10,000 for p99.9. The remedy gives the
    duration that reaches the most demanding of them at the slowest trial's rate.
    """
    findings = []
    for key, trials in ok_trials_by_cell(records).items():
        short: dict[str, list[TrialRecord]] = {}
        needs: dict[str, int] = {}
        for label, tail in PERCENTILE_TAILS:
            needs[label] = MIN_TAIL_SAMPLES * tail
            lacking = [trial for trial in trials if (trial.ok_responses or 0) < needs[label]]
            if lacking:
                short[label] = lacking
        if not short:
            continue
        ordered = list(reversed(short))  # the most demanding percentile first
        label = ordered[0]
        fewest = min(trial.ok_responses or 0 for trial in short[label])
        slowest = min(trial.rps or 0.0 for trial in short[label])
        beyond = [f"beyond {name} in {len(short[name])}" for name in ordered]
        beyond[0] += f" of {plural(len(trials), 'trial')}"
        needed = f"{label} needs {needs[label]:,}"
        needed += "".join(f" and {name} {needs[name]:,}" for name in ordered[1:])
        unreliable = "that percentile is" if len(ordered) == 1 else "those percentiles are"
        if slowest > 0:
            seconds = math.ceil(needs[label] / slowest)
            remedy = (
                f"Run trials of at least {seconds} s (--duration {seconds}) to collect"
                f" {needs[label]:,} responses at the observed {format_rate(slowest)} req/s,"
                " or quote a lower percentile."
            )
        else:
            remedy = "Find out why the trials got no responses before reading their latency."
        findings.append(
            cell_finding(
                "warning",
                "window-too-short",
                key,
                f"fewer than {MIN_TAIL_SAMPLES} responses lie {' and '.join(beyond)}"
                f" ({fewest:,} ok responses at the fewest; {needed}), so {unreliable}"
                " unreliable.",
                remedy,
            )
        )
    return findings


def _reason_kinds(reason: str) -> list[str]:
    """ "wrk exited with code 1; verification failed: ..." -> the parts before any colon."""
    parts = [part.split(":", 1)[0].strip() for part in reason.split("; ")]
    return list(dict.fromkeys(part for part in parts if part)) or [reason]


def _fraction(fraction: float) -> str:
    # Two decimals would show a handful of errors in a million requests as 0.00%.
    return f"{fraction:.2%}" if fraction >= 0.0001 else "under 0.01%"
