"""Whether every app ran under the same server policy (lab.model.fairness)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lab.analysis.checks.findings import run_finding
from lab.results.findings import Finding


def check_fairness(effective: Mapping[str, Any] | None) -> list[Finding]:
    """Info for each app whose server could not take part of the policy, as run.json's
    `effective.apps` recorded it.

    Info, not a warning: the parts a server may miss (an idle keep-alive timeout) do not
    act while wrk keeps every connection busy; they are said so that nobody has to guess.
    """
    apps = (effective or {}).get("apps")
    if not isinstance(apps, Mapping):
        return []
    findings = []
    for name, facts in apps.items():
        missed = facts.get("unhonoured") if isinstance(facts, Mapping) else None
        for item in missed or ():
            findings.append(
                run_finding(
                    "info",
                    "fairness-not-honoured",
                    f"{name} could not take the lab's server policy in full: {item}.",
                    "Nothing to do for closed-loop trials, whose connections are never idle;"
                    " the difference is recorded in run.json (effective.apps).",
                )
            )
    return findings
