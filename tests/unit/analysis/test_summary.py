from __future__ import annotations

import json
from dataclasses import replace

import pytest

from lab.analysis.blocked import PAIRED
from lab.analysis.intervals import median_interval, ratio_interval
from lab.analysis.stats import cv
from lab.analysis.summary import build_summary
from lab.model.cell import Cell
from lab.results.judging import record_from_wrk
from lab.results.summarydoc import CpuShare, Summary, SummaryCell
from tests.unit.fixtures import cpu, failed_trial, invocation, trial, wrk_payload, wrk_stdout

APPS = ["flask", "aio", "aio-uvloop"]
SCENARIOS = ["hello", "hit"]


def _cell(
    summary: Summary, app: str, scenario: str = "hello", connections: int = 200
) -> SummaryCell:
    [cell] = [c for c in summary.cells if c.key == Cell(app, scenario, connections)]
    return cell


def test_latency_is_the_median_of_each_percentile_and_the_max_is_the_maximum() -> None:
    records = [
        trial(1, latency={"p50": 100, "p99": 1000, "p99_9": 1500, "max": 3000}),
        trial(2, latency={"p50": 300, "p99": 2000, "p99_9": 2500, "max": 90000}),
        trial(3, latency={"p50": 200, "p99": 9000, "p99_9": 9500, "max": 4000}),
    ]

    latency = build_summary(records, APPS, SCENARIOS).cells[0].latency_us

    # Means would be 200, 4000 and 4500; the median of the maxima 4000.
    assert latency == {
        "p50": 200,
        "p75": 6500,
        "p90": 7000,
        "p99": 2000,
        "p99_9": 2500,
        "max": 90000,
    }


def test_failed_trials_are_counted_but_not_used() -> None:
    # Trial 4 measured 9999 req/s but broke the /hit invariant: it must not count.
    broken = record_from_wrk(
        index=4,
        app="flask",
        scenario="hello",
        connections=200,
        repetition=4,
        threads=4,
        duration_s=1.0,
        started_at="2026-11-25T01:00:00+00:00",
        finished_at="2026-11-25T01:00:01+00:00",
        wrk=invocation(wrk_stdout(wrk_payload(duration_us=1_000_000, requests=9999))),
        counter_before=0,
        counter_after=0,
    )
    records = [
        trial(1, rps=1000, status_errors=5, timeouts=1),
        failed_trial(2),
        trial(3, rps=1100, status_errors=3),
        broken,
        trial(5, rps=900),
    ]

    cell = build_summary(records, APPS, SCENARIOS).cells[0]

    assert broken.status == "failed"
    assert cell.trials == 3
    assert cell.failed == 2
    assert cell.rps == (1000.0, 1100.0, 900.0)
    assert cell.rps_median == 1000.0
    assert cell.errors == {
        "connect": 0,
        "read": 0,
        "write": 0,
        "status": 8,
        "timeout": 1,
        "total": 9,
    }


def test_rps_listed_in_trial_order_even_when_records_are_not() -> None:
    records = [trial(3, rps=300), trial(1, rps=100), trial(2, rps=200)]

    assert build_summary(records, APPS, SCENARIOS).cells[0].rps == (100.0, 200.0, 300.0)


def test_interval_and_cv_come_from_the_ok_trials() -> None:
    rps = [1000.0, 1040.0, 980.0, 1010.0, 990.0]
    records = [trial(i, rps=int(value)) for i, value in enumerate(rps)]

    cell = build_summary(records, APPS, SCENARIOS).cells[0]

    # Five trials: the order-statistic interval is min to max, at 93.75%, not 95%.
    assert cell.rps_ci is not None
    assert cell.rps_ci.pair == (980.0, 1040.0)
    assert cell.rps_ci.level == pytest.approx(0.9375)
    assert cell.rps_ci.method == median_interval(rps).method
    assert cell.rps_geomean == pytest.approx(1003.79, abs=0.005)
    assert cell.cv == pytest.approx(cv(rps))


def test_cell_with_only_failed_trials_has_null_statistics() -> None:
    summary = build_summary([failed_trial(1), failed_trial(2)], APPS, SCENARIOS)

    assert summary.cells[0].to_dict() == {
        "app": "flask",
        "scenario": "hello",
        "connections": 200,
        "trials": 0,
        "failed": 2,
        "rps": [],
        "rps_median": None,
        "rps_ci": None,
        "rps_geomean": None,
        "cv": None,
        "latency_us": None,
        "errors": None,
        "cpu": None,
    }


def test_cpu_is_the_median_over_trials_that_know_it() -> None:
    records = [
        trial(1, cpu_app=cpu(0.5, throttled_periods=0)),
        trial(2, cpu_app=cpu(0.9, throttled_periods=10)),
        trial(3, cpu_app=None),
        trial(4, cpu_app=cpu(0.7, throttled_periods=2)),
    ]

    cell = build_summary(records, APPS, SCENARIOS).cells[0]

    assert cell.cpu == {
        "app": CpuShare(share=0.7, throttled_periods=2, samples=3),
        "wrk": None,
        "redis": None,
    }


def test_cells_follow_scenario_then_connections_then_app_order() -> None:
    records = [
        trial(1, app="aio", scenario="hit", connections=64),
        trial(2, app="sanic", scenario="hello", connections=200),
        trial(3, app="flask", scenario="hello", connections=200),
        trial(4, app="aio", scenario="hello", connections=64),
        trial(5, app="flask", scenario="extra", connections=64),
        trial(6, app="flask", scenario="hello", connections=64),
    ]

    summary = build_summary(records, APPS, SCENARIOS)
    order = [(c.scenario, c.connections, c.app) for c in summary.cells]

    # Unlisted names ("sanic", "extra") come after the listed ones.
    assert order == [
        ("hello", 64, "flask"),
        ("hello", 64, "aio"),
        ("hello", 200, "flask"),
        ("hello", 200, "sanic"),
        ("hit", 64, "aio"),
        ("extra", 64, "flask"),
    ]
    assert summary.apps == ("flask", "aio", "sanic")


def test_ratios_compare_each_app_with_the_first_listed_app() -> None:
    records = [
        *(trial(i, app="flask", rps=1000) for i in range(3)),
        *(trial(10 + i, app="aio", rps=rps) for i, rps in enumerate([5000, 5400, 5200])),
        *(trial(20 + i, app="aio-uvloop", rps=rps) for i, rps in enumerate([7000, 8000])),
        trial(30, app="aio", scenario="hit", connections=64, rps=800),
    ]

    ratios = build_summary(records, APPS, SCENARIOS).to_dict()["ratios"]
    aio = ratio_interval([5000.0, 5400.0, 5200.0], [1000.0] * 3)
    uvloop = ratio_interval([7000.0, 8000.0], [1000.0] * 3)

    assert ratios == [
        {
            "scenario": "hello",
            "connections": 200,
            "numerator": "aio",
            "denominator": "flask",
            "ratio": aio.estimate,
            "estimator": "geometric means",
            "ci": {"low": aio.low, "high": aio.high, "level": 0.95, "method": aio.method},
        },
        {
            "scenario": "hello",
            "connections": 200,
            "numerator": "aio-uvloop",
            "denominator": "flask",
            "ratio": uvloop.estimate,
            "estimator": "geometric means",
            "ci": {"low": uvloop.low, "high": uvloop.high, "level": 0.95, "method": uvloop.method},
        },
    ]
    # The geometric mean of 5,000, 5,400 and 5,200 over 1,000; Welch's t on 2 df.
    assert aio.estimate == pytest.approx(5.1974, abs=1e-4)
    assert 4.6 < aio.low < 5.0 and 5.4 < aio.high < 5.9


def test_ratio_without_ok_trials_on_one_side_is_null() -> None:
    records = [failed_trial(1, app="flask"), trial(2, app="aio", rps=5000)]

    [ratio] = build_summary(records, APPS, SCENARIOS).ratios

    assert (ratio.numerator, ratio.denominator) == ("aio", "flask")
    assert ratio.ratio is None
    assert ratio.ci is None


def test_ratio_with_a_zero_rate_baseline_trial_has_no_interval() -> None:
    records = [
        trial(1, app="flask", rps=0, status_errors=10),
        trial(2, app="flask", rps=1000),
        trial(3, app="flask", rps=1000),
        trial(4, app="aio", rps=5000),
    ]

    [ratio] = build_summary(records, APPS, SCENARIOS).ratios

    # A trial at 0 req/s has no logarithm: no ratio of geometric means, rather than one
    # that silently leaves that trial out.
    assert ratio.ratio is None
    assert ratio.ci is None


def test_summary_is_json_and_versioned() -> None:
    records = [trial(1, app="flask", cpu_app=cpu(0.5)), trial(2, app="aio"), failed_trial(3)]

    summary = build_summary(records, APPS, SCENARIOS).to_dict()

    assert summary["schema_version"] == 5
    assert json.loads(json.dumps(summary)) == summary


def test_no_records_give_an_empty_summary() -> None:
    assert build_summary([], APPS, SCENARIOS).to_dict() == {
        "schema_version": 5,
        "apps": [],
        "cells": [],
        "ratios": [],
    }
    assert build_summary([trial(1, app="aio")], [], []).ratios == ()


def test_same_app_at_another_level_has_its_own_cell() -> None:
    records = [trial(1, connections=64, rps=500), trial(2, connections=200, rps=900)]

    summary = build_summary(records, APPS, SCENARIOS)

    assert _cell(summary, "flask", connections=64).rps == (500.0,)
    assert _cell(summary, "flask", connections=200).rps == (900.0,)


def test_a_ratio_whose_apps_share_rounds_is_blocked_by_round() -> None:
    # The host slows 10% a round, alike for both apps: the ratio stays 5 in every round.
    records = []
    for r, speed in enumerate([1.0, 0.9, 0.81, 0.73], start=1):
        records.append(
            replace(trial(2 * r - 1, app="flask", rps=round(1000 * speed)), repetition=r)
        )
        records.append(replace(trial(2 * r, app="aio", rps=round(5000 * speed)), repetition=r))

    summary = build_summary(records, APPS, SCENARIOS)
    [ratio] = summary.ratios

    assert ratio.estimator == "per-round log ratios (blocked by round)"
    assert ratio.pairs == 4
    assert ratio.ratio == pytest.approx(5.0, rel=1e-3)
    assert ratio.ci is not None and ratio.ci.method == PAIRED
    assert ratio.ci.high / ratio.ci.low < 1.01
    # The same trials taken as independent: the drift widens Welch's interval.
    assert ratio.ci_unblocked is not None and ratio.ci_unblocked.high / ratio.ci_unblocked.low > 1.3
    assert summary.drift is not None and summary.drift.change == pytest.approx(0.73 - 1, abs=0.01)
    written = summary.to_dict()
    assert written["schema_version"] == 5
    assert written["ratios"][0]["pairs"] == 4
    assert written["drift"]["rounds"] == pytest.approx(list(summary.drift.rounds))
