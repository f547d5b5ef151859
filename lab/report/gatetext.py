"""gate.md and the gate's lines on the terminal: short enough for a pull-request comment.

Verdicts first, then the ratios with their intervals, the host's evidence, how the gate
stopped, what was built, and how to reproduce it. Pure: strings from a GateDoc.
"""

from __future__ import annotations

from collections.abc import Sequence

from lab.analysis.gate import INCONCLUSIVE, NO_CHANGE, PASS, REGRESSED
from lab.analysis.stopping import MAX_REPETITIONS, MAX_TIME, REACHED
from lab.results.gatedoc import GateDoc, LevelVerdictDoc
from lab.text import DASH, TIMES, UNKNOWN

HEADLINES = {
    PASS: "pass",
    REGRESSED: "REGRESSED",
    INCONCLUSIVE: "INCONCLUSIVE",
}
STOPS = {
    REACHED: "every level decided",
    MAX_REPETITIONS: "the last look (--max-repetitions) reached with a level undecided",
    MAX_TIME: "--max-time left no room for another look",
}


def _ratio(verdict: LevelVerdictDoc) -> tuple[str, str]:
    if verdict.ratio is None or verdict.low is None or verdict.high is None:
        return UNKNOWN, UNKNOWN
    return f"{verdict.ratio:.3f}{TIMES}", f"{verdict.low:.3f}{DASH}{verdict.high:.3f}{TIMES}"


def verdict_rows(gate: GateDoc) -> list[tuple[str, ...]]:
    """(level, verdict, HEAD/BASE, interval, rounds, disturbed rounds) per level."""
    rows: list[tuple[str, ...]] = []
    for verdict in gate.verdicts:
        ratio, interval = _ratio(verdict)
        disturbed = ", ".join(str(n) for n in verdict.disturbed_rounds) or UNKNOWN
        rows.append(
            (
                f"{verdict.scenario} @{verdict.connections}",
                verdict.verdict,
                ratio,
                interval,
                str(verdict.pairs),
                disturbed,
            )
        )
    return rows


def _why(gate: GateDoc) -> list[str]:
    plain = f"the interval against ±{gate.threshold_pct:g}%"
    return [
        f"- {v.scenario} @{v.connections}: {v.reason}"
        for v in gate.verdicts
        if (v.reason != plain and v.verdict != NO_CHANGE) or v.ratio is None
    ]


def gate_markdown(gate: GateDoc, images: Sequence[str], run_dir: str) -> str:
    """gate.md: the whole gate in about twenty lines."""
    level = gate.verdicts[0].level if gate.verdicts else 1 - gate.alpha
    looks = ", ".join(str(n) for n in gate.looks)
    lines = [
        f"# Gate: {HEADLINES.get(gate.outcome, gate.outcome)} — `{gate.head}` against"
        f" `{gate.base}`",
        "",
        f"One interleaved run, both versions in every round (blocked), threshold"
        f" ±{gate.threshold_pct:g}% of BASE's req/s.",
        "",
        f"| level | verdict | HEAD/BASE | interval ({level:.1%} each look,"
        f" {1 - gate.alpha:.0%} all looks) | rounds | disturbed rounds |",
        "|---|---|---|---|---|---|",
        *("| " + " | ".join(row) + " |" for row in verdict_rows(gate)),
        "",
        *_why(gate),
        f"- Stopped: {STOPS.get(gate.stopped_by, gate.stopped_by)}, at {gate.rounds} rounds"
        f" (looks at {looks}).",
        f"- Host: {_host(gate)}",
        f"- Method: {gate.method}; a decisive verdict is wrong at most"
        f" {gate.alpha / 2:.1%} of the time each way (docs/gate.md).",
        *(f"- {line}" for line in images),
        f"- Reproduce: `{gate.reproduce}`",
        f"- Run: `{run_dir}` (report.html beside this file)",
    ]
    return "\n".join(lines) + "\n"


def _host(gate: GateDoc) -> str:
    moved = (
        "no drift measured"
        if gate.host_moved is None
        else f"moved {gate.host_moved:.0%} between its slowest and fastest round, paired away"
        " by round"
    )
    disturbed = sorted({n for v in gate.verdicts for n in v.disturbed_rounds})
    if not disturbed:
        return f"{moved}; no round disturbed."
    return f"{moved}; disturbed rounds {', '.join(str(n) for n in disturbed)} (see reasons)."
