"""wide-ratio: a blocked ratio wider than ±10% says why, from the run's own evidence."""

from __future__ import annotations

import math
from dataclasses import replace

from lab.analysis.checks.ratios import WIDE_PCT, check_ratio_precision, rounds_for
from lab.analysis.summary import build_summary
from lab.results.records import TrialRecord
from tests.unit.fixtures import trial

APPS = ["flask", "aio"]


def rounds_of(aio: list[float], flask: list[float]) -> list[TrialRecord]:
    records = []
    for r, (a, f) in enumerate(zip(aio, flask, strict=True), start=1):
        records.append(replace(trial(2 * r - 1, app="flask", rps=round(f)), repetition=r))
        records.append(replace(trial(2 * r, app="aio", rps=round(a)), repetition=r))
    return records


def findings_of(records: list[TrialRecord]) -> list[str]:
    summary = build_summary(records, APPS, ["hello"])
    return [f"{f.code}: {f.message} — {f.remedy}" for f in check_ratio_precision(records, summary)]


def test_a_precise_ratio_says_nothing() -> None:
    records = rounds_of([5000, 5100, 4950, 5050, 5000, 4980], [1000] * 6)
    assert findings_of(records) == []


def test_a_wide_ratio_says_the_rounds_disagree_and_how_many_would_do() -> None:
    aio = [5000, 6500, 4000, 6000, 4200, 5800]
    [text] = findings_of(rounds_of(aio, [1000] * 6))
    assert text.startswith("wide-ratio: hello @200 aio: aio/flask has a 95% CI of ±")
    assert "the trials' own noise" in text
    spread = math.log(max(aio) / min(aio))  # the shape of the spread, not its value
    assert spread > 0
    assert f"wider than ±{WIDE_PCT:g}%" in text
    assert "rounds would bring it within ±10%" in text


def test_a_ratio_that_moves_with_the_hosts_speed_is_named() -> None:
    # The host's speed swings round by round; aio feels it twice as much as flask, so
    # the ratio is high in fast rounds and low in slow ones.
    host = [1.3, 0.8, 1.25, 0.75, 1.2, 0.85, 1.3, 0.8]
    aio = [5000 * h**1.5 for h in host]
    flask = [1000 * h**0.5 for h in host]
    [text] = findings_of(rounds_of(aio, flask))
    assert "the ratio moved with the host's speed" in text
    assert "over the faster half of the rounds" in text


def test_rounds_for_a_spread() -> None:
    # t(0.975, n - 1) * 0.1 / sqrt(n) <= asinh(0.10) first at n = 7.
    assert rounds_for(0.1, 10.0) == 7
    assert rounds_for(0.0, 10.0) == 3
