"""The probe's report (images/wrk/probe.py): one JSON object on its last line of output."""

from __future__ import annotations

import json
from typing import Any


def probe_report(stdout: str) -> dict[str, Any]:
    """The report from the probe's stdout; ValueError when it printed none."""
    lines = stdout.strip().splitlines()
    if not lines:
        raise ValueError("no output")
    report = json.loads(lines[-1])
    if not isinstance(report, dict):
        raise ValueError(f"the last line is JSON {type(report).__name__}, not an object")
    return report
