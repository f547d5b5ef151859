# ruff: noqa: RUF001
"""The checks of the lab's own measurement: each fires on a fixture built to trigger it and
stays silent on a clean run; run_checks orders them; the real 2-core run gives what a
reader of its table should be told."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lab.analysis.assess import aa_findings
from lab.analysis.checks import (
    aa_finding,
    aa_resolution,
    check_bottleneck,
    check_ceiling,
    check_errors,
    check_failed,
    check_generator,
    check_outliers,
    check_placement,
    check_stability,
    check_throttling,
    check_window,
    findings_lines,
    headline_ok,
    repetitions_needed,
    run_checks,
)
from lab.analysis.checks.independence import check_independence
from lab.analysis.checks.stability import ci_half_width, t_975
from lab.analysis.outliers import grubbs_limit
from lab.analysis.resolution import resolution
from lab.analysis.summary import build_summary
from lab.measure.cpu import CpuUse
from lab.measure.wrkjson import Latency, WrkErrors
from lab.results.execrecord import ExecRecord
from lab.results.findings import Finding
from lab.results.records import TrialRecord, failed_record
from lab.results.rundoc import RunDocument
from lab.results.summarydoc import Summary, SummaryCell
from tests.unit.fixtures import evidence

APPS = ["flask", "aio"]
SCENARIOS = ["hello", "hit"]
AIO = {"app": "aio", "scenario": "hello", "connections": 100}
FLASK = {"app": "flask", "scenario": "hello", "connections": 100}
NO_ERRORS = {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0}
LATENCY = Latency(
    min=100, mean=5000, stdev=800, max=40000, p50=5000, p75=5500, p90=6000, p99=9000, p99_9=15000
)


def run_doc(**sections: Any) -> RunDocument:
    """A run.json holding only the given sections beside the keys every run has."""
    return RunDocument(run_id="run", status="complete", parameters={}, **sections)


# Disjoint CPUs: app 3, wrk 1-2, redis 0.
CLEAN_RUN = run_doc(
    placement={
        "app": {"role": "app", "cpuset": "3", "cpu_ids": [3]},
        "wrk": {"role": "wrk", "cpuset": "1-2", "cpu_ids": [1, 2]},
        "redis": {"role": "redis", "cpuset": "0", "cpu_ids": [0]},
        "notes": [],
    }
)
CLEAN_AIO_RPS = (10_000.0, 10_100.0, 9_900.0, 10_050.0, 9_950.0)
CLEAN_FLASK_RPS = (2_000.0, 2_020.0, 1_980.0, 2_010.0, 1_990.0)


def use(share: float, throttled: int = 0, cpus: float = 1.0) -> CpuUse:
    """CPU use over a 10 s load inside an 11 s stats window."""
    return CpuUse(
        cpus=cpus,
        used_s=share * cpus * 10,
        window_s=11.0,
        share=share,
        periods=110,
        throttled_periods=throttled,
        throttled_s=throttled * 0.05,
        basis_s=10.0,
    )


def trial(
    index: int,
    cell: dict[str, Any] = AIO,
    *,
    rps: float = 10_000.0,
    duration_s: float = 10.0,
    errors: dict[str, int] | None = None,
    app: float = 1.0,
    wrk: float = 0.3,
    redis: float = 0.05,
    throttled: dict[str, int] | None = None,
    wrk_cpus: float = 2.0,
) -> TrialRecord:
    """An ok trial of `cell`: `rps` over `duration_s`, the given CPU shares and errors."""
    counts = WrkErrors(**{**NO_ERRORS, **(errors or {})})
    ok = round(rps * duration_s)
    throttled = throttled or {}
    return TrialRecord(
        index=index,
        status="ok",
        reason=None,
        app=cell["app"],
        scenario=cell["scenario"],
        connections=cell["connections"],
        repetition=index,
        threads=2,
        duration_s=duration_s,
        started_at="2026-11-25T01:00:00+00:00",
        finished_at="2026-11-25T01:00:12+00:00",
        rps=rps,
        # wrk counts >399 and late responses among its requests too.
        requests=ok + counts.status + counts.timeout,
        ok_responses=ok,
        errors=counts,
        latency_us=LATENCY,
        cpu={
            "app": use(app, throttled.get("app", 0)),
            "wrk": use(wrk, throttled.get("wrk", 0), cpus=wrk_cpus),
            "redis": use(redis, throttled.get("redis", 0)),
        },
        invariant=None,
        verification=None,
        wrk=ExecRecord(command=("wrk",), stdout="{}", stderr="", exit_code=0),
        app_log=None,
    )


def failed(
    index: int, cell: dict[str, Any] = AIO, reason: str = "wrk exited with code 1"
) -> TrialRecord:
    return failed_record(
        index=index,
        app=cell["app"],
        scenario=cell["scenario"],
        connections=cell["connections"],
        repetition=index,
        threads=2,
        duration_s=10.0,
        started_at="2026-11-25T01:00:00+00:00",
        finished_at="2026-11-25T01:00:12+00:00",
        reason=reason,
    )


def clean_records() -> list[TrialRecord]:
    """Two cells of 5 steady trials each, interleaved, with nothing for a check to find."""
    records = []
    for rep, (fast, slow) in enumerate(zip(CLEAN_AIO_RPS, CLEAN_FLASK_RPS, strict=True)):
        records.append(trial(2 * rep + 1, FLASK, rps=slow))
        records.append(trial(2 * rep + 2, AIO, rps=fast))
    return records


def aio_trials(records: Sequence[TrialRecord]) -> list[TrialRecord]:
    return [record for record in records if record.app == "aio"]


def changed(records: list[TrialRecord], index: int, **fields: Any) -> list[TrialRecord]:
    """`records` with trial `index` rebuilt as an aio trial with `fields` changed."""
    return [trial(index, **fields) if record.index == index else record for record in records]


def summary_of(records: Sequence[TrialRecord]) -> Summary:
    return build_summary(records, APPS, SCENARIOS)


def codes(findings: Sequence[Finding]) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [(finding.severity, finding.code, finding.cell) for finding in findings]


# --- every check is silent on the clean run --------------------------------------------

SILENT_CHECKS: dict[str, Callable[[], list[Finding]]] = {
    "ceiling far above": lambda: [
        f for f in check_ceiling(summary_of(clean_records()), 1_000_000) if f.severity != "info"
    ],
    "generator": lambda: check_generator(clean_records()),
    "bottleneck": lambda: check_bottleneck(clean_records()),
    "throttling": lambda: check_throttling(clean_records()),
    "errors": lambda: check_errors(clean_records()),
    "stability": lambda: check_stability(summary_of(clean_records())),
    "outliers": lambda: check_outliers(clean_records()),
    "window": lambda: check_window(clean_records()),
    "failed": lambda: check_failed(clean_records()),
    "placement": lambda: check_placement(CLEAN_RUN.placement),
}


@pytest.mark.parametrize("check", SILENT_CHECKS.values(), ids=SILENT_CHECKS.keys())
def test_each_check_is_silent_on_a_clean_run(check: Callable[[], list[Finding]]) -> None:
    assert check() == []


def test_run_checks_finds_nothing_in_a_clean_run_without_a_ceiling() -> None:
    records = clean_records()
    assert run_checks(CLEAN_RUN, records, summary_of(records), None) == []


# --- and fires on a fixture built to trigger it ---------------------------------------


def _spread() -> list[TrialRecord]:
    """aio at 9,000-11,000 req/s: CV 7.9%, but no single trial stands out."""
    records = clean_records()
    for index, rps in ((2, 9_000.0), (4, 11_000.0), (6, 9_500.0), (8, 10_500.0)):
        records = changed(records, index, rps=rps)
    return records


def _saturated_wrk() -> list[TrialRecord]:
    records = changed(clean_records(), 2, rps=10_000.0, wrk=0.95)
    return changed(records, 4, rps=10_100.0, wrk=0.97)


GENERATOR = ("warning", "generator-saturated")
THROTTLED = ("warning", "throttled")
# Each trigger, and every finding it causes in the aio cell: a check fires on its own
# trigger and, where two checks share a cause, on that cause alone.
TRIGGERS: dict[str, tuple[Callable[[], list[TrialRecord]], list[tuple[str, str]]]] = {
    "wrk busy": (_saturated_wrk, [GENERATOR]),
    "wrk throttled": (
        lambda: changed(clean_records(), 2, throttled={"wrk": 4}),
        [GENERATOR, THROTTLED],
    ),
    "redis limits the app": (
        lambda: changed(clean_records(), 2, app=0.55, redis=0.96),
        [("warning", "bottleneck-elsewhere")],
    ),
    "wrk limits the app": (
        lambda: changed(clean_records(), 2, app=0.7, wrk=0.92),
        [GENERATOR, ("warning", "bottleneck-elsewhere")],
    ),
    "app throttled": (lambda: changed(clean_records(), 2, throttled={"app": 3}), [THROTTLED]),
    "redis throttled": (lambda: changed(clean_records(), 2, throttled={"redis": 1}), [THROTTLED]),
    "a few 5xx": (
        lambda: changed(clean_records(), 2, errors={"status": 5}),
        [("warning", "request-errors")],
    ),
    "many timeouts": (
        lambda: changed(clean_records(), 2, errors={"timeout": 20_000}),
        [("error", "request-errors")],
    ),
    "socket errors": (
        lambda: changed(clean_records(), 2, errors={"connect": 3, "read": 2}),
        [("warning", "request-errors")],
    ),
    "spread": (_spread, [("warning", "high-cv")]),
    "single trial": (lambda: [trial(1)], [("warning", "single-trial")]),
    "one odd trial": (
        # Median 10,050 and MAD 50: 10,500 scores 6.1, yet the CV stays at 2.1%.
        lambda: changed(clean_records(), 6, rps=10_500.0),
        [("warning", "outlier-trial")],
    ),
    "short window": (
        # 10,000 req/s for 0.8 s: 8,000 responses, too few for p99.9.
        lambda: changed(clean_records(), 2, duration_s=0.8),
        [("warning", "window-too-short")],
    ),
    "a failed trial": (lambda: [*clean_records(), failed(11)], [("warning", "failed-trials")]),
    "only failed trials": (
        lambda: [r for r in clean_records() if r.app == "flask"] + [failed(11), failed(12)],
        [("error", "failed-trials")],
    ),
}


@pytest.mark.parametrize(("build", "expected"), TRIGGERS.values(), ids=TRIGGERS.keys())
def test_each_check_fires_on_its_trigger(
    build: Callable[[], list[TrialRecord]], expected: list[tuple[str, str]]
) -> None:
    records = build()

    findings = run_checks(CLEAN_RUN, records, summary_of(records), None)

    assert [(f.severity, f.code) for f in findings if f.cell == AIO] == expected
    # The clean cell beside it stays clean, and nothing is said about the run.
    assert all(finding.cell == AIO for finding in findings)


def test_ceiling_warns_above_half_and_informs_below() -> None:
    summary = summary_of(clean_records())

    near = check_ceiling(summary, 18_000)
    far = check_ceiling(summary, 40_000)

    assert codes(near) == [("warning", "near-harness-ceiling", AIO)]
    assert "median 10,000 req/s is 56% of the harness ceiling of 18,000 req/s" in near[0].message
    assert codes(far) == [("info", "harness-ceiling", None)]
    assert far[0].message == (
        "run: the harness ceiling is 40,000 req/s; the fastest cell, hello @100 aio at"
        " 10,000 req/s, reaches 25% of it."
    )


def test_ceiling_at_exactly_half_is_not_a_warning() -> None:
    assert codes(check_ceiling(summary_of(clean_records()), 20_000))[0][0] == "info"


@pytest.mark.parametrize("ceiling", [0.0, -1.0, math.nan, math.inf])
def test_ceiling_must_be_a_positive_number(ceiling: float) -> None:
    with pytest.raises(ValueError, match="ceiling_rps"):
        check_ceiling(summary_of(clean_records()), ceiling)


def test_ceiling_with_no_measured_cell_states_the_ceiling() -> None:
    summary = summary_of([failed(1)])
    assert [f.message for f in check_ceiling(summary, 5000)] == [
        "run: the harness ceiling is 5,000 req/s; no cell has a median to compare."
    ]


def test_generator_saturation_counts_the_trials_and_the_top_share() -> None:
    [finding] = check_generator(_saturated_wrk())
    assert (
        "wrk used 90% or more of the CPU its threads can use in 2 of 5 trials (up to 97%)"
        in finding.message
    )
    assert "--cpus wrk=3" in finding.remedy


def test_generator_saturation_judges_the_threads_it_was_given() -> None:
    # Two threads on four CPUs: 48% of the allotment is 96% of what the threads can use.
    records = changed(clean_records(), 2, wrk=0.48, wrk_cpus=4.0)
    [finding] = check_generator(records)
    assert "(up to 96%)" in finding.message


def with_cpu0(record: TrialRecord, busy_s: float, softirq_s: float = 0.0) -> TrialRecord:
    """`record` with host evidence: CPU 0 (wrk and redis) busy for `busy_s` of 10 s."""
    cpu0 = (0, ["redis", "wrk"], {"softirq": softirq_s / 10})
    return replace(record, host=evidence([cpu0], window_s=10.0, busy_s=busy_s))


def test_a_cpu_full_of_wrk_and_redis_together_saturates_the_generator() -> None:
    # wrk at 70% and redis at 25% of the same CPU: neither reaches 90%, the CPU does.
    records = [with_cpu0(r, 8.5, 1.0) if r.index == 2 else r for r in clean_records()]
    [finding] = check_generator(records)
    assert "ran on a CPU 90% or more busy with everything on it in 1 of 5 trials" in (
        finding.message
    )
    assert "CPU 0 up to 95%" in finding.message
    quiet = [with_cpu0(r, 5.0, 0.5) if r.index == 2 else r for r in clean_records()]
    assert check_generator(quiet) == []


def test_remedies_only_suggest_what_the_host_can_give() -> None:
    [small] = check_generator(_saturated_wrk(), host_cpus=2)
    assert "This host's 2 CPUs cannot give wrk more without taking the app's" in small.remedy
    assert "4 or more CPUs" in small.remedy
    [large] = check_generator(_saturated_wrk(), host_cpus=8)
    assert "--cpus wrk=3 --threads auto" in large.remedy


def test_generator_below_the_threshold_is_silent() -> None:
    assert check_generator(changed(clean_records(), 2, wrk=0.899)) == []


def test_bottleneck_names_the_busy_role_and_the_app_share() -> None:
    [finding] = check_bottleneck(changed(clean_records(), 2, app=0.55, redis=0.96))
    assert "the app used less than 80% of its CPU (55%) while redis or its CPU was 90%" in (
        finding.message
    )


def test_bottleneck_sees_a_full_shared_cpu() -> None:
    records = changed(clean_records(), 2, app=0.6, wrk=0.6, redis=0.3)
    records = [with_cpu0(r, 9.5) if r.index == 2 else r for r in records]
    [finding] = check_bottleneck(records)
    assert "while wrk and redis or their CPU was 90% or more busy" in finding.message


@pytest.mark.parametrize(("app", "redis"), [(0.8, 0.95), (0.5, 0.89)])
def test_bottleneck_needs_an_idle_app_and_a_busy_helper(app: float, redis: float) -> None:
    assert check_bottleneck(changed(clean_records(), 2, app=app, redis=redis)) == []


def test_throttling_names_each_role_with_periods_and_time() -> None:
    records = changed(changed(clean_records(), 2, throttled={"app": 3}), 4, throttled={"wrk": 1})
    [finding] = check_throttling(records)
    assert finding.message == (
        "hello @100 aio: the CPU quota throttled app in 1 of 5 trials (3 periods, 0.15 s);"
        " wrk in 1 of 5 trials (1 period, 0.05 s) during the measured window."
    )


def test_errors_name_kinds_counts_and_share_of_attempts() -> None:
    records = changed(clean_records(), 2, errors={"status": 5, "timeout": 2})
    [finding] = check_errors(records)
    assert finding.severity == "warning"
    # 500,000 ok responses + 5 errored responses + 2 responses later than --timeout.
    assert (
        "5 4xx/5xx responses, 2 timeouts in 1 of 5 trials, under 0.01% of 500,007"
        in finding.message
    )
    assert finding.remedy == (
        "Keep this cell out of headlines; find out why the app answered 4xx/5xx;"
        " lower --connections or raise --timeout."
    )


def test_errors_quote_the_cause_the_app_logged() -> None:
    log = (
        "[WARNING] /hit answered 503: TimeoutError: Timeout reading from redis:6379\n"
        "[WARNING] /hit answered 503: TimeoutError: Timeout reading from redis:6379\n"
        "[WARNING] /hit answered 503: ConnectionError: No connection available.\n"
    )
    noisy = replace(trial(2, errors={"status": 3}), app_log=log)
    records = [noisy if r.index == 2 else r for r in clean_records()]
    [finding] = check_errors(records)
    assert finding.message.endswith(
        "The app's log says why (its last lines): 2×TimeoutError (Timeout reading from"
        " redis:6379), 1×ConnectionError (No connection available.)."
    )


def test_errors_become_an_error_only_above_one_percent() -> None:
    # 99,000 ok responses and 1,000 status errors: exactly 1% of 100,000 attempts.
    at_limit = [trial(1, rps=9_900.0, errors={"status": 1_000})]
    above = [trial(1, rps=9_900.0, errors={"status": 1_001})]
    assert codes(check_errors(at_limit))[0][0] == "warning"
    assert codes(check_errors(above))[0][0] == "error"


def test_headline_ok_refuses_cells_with_errors_or_error_findings() -> None:
    records = changed(clean_records(), 2, errors={"read": 1})
    summary = summary_of(records)
    findings = run_checks(CLEAN_RUN, records, summary, None)
    flask_cell, aio_cell = summary.cells

    assert headline_ok(flask_cell, findings)
    assert not headline_ok(aio_cell, findings)
    # The finding alone is enough, even if the cell's counters were lost...
    assert not headline_ok(replace(aio_cell, errors=None), findings)
    # ...and so are the counters without a finding.
    assert not headline_ok(aio_cell, [])
    # An error finding about a cell blocks it; one about another cell does not.
    broken = Finding("error", "failed-trials", "hello @100 flask: none ok.", "Re-run.", FLASK)
    assert not headline_ok(flask_cell, [broken])
    assert headline_ok(flask_cell, [replace(broken, cell=AIO)])
    assert not headline_ok(replace(flask_cell, rps_median=None), [])


def test_stability_gives_the_interval_and_the_repetitions_needed() -> None:
    records = _spread()
    [finding] = check_stability(summary_of(records))
    variation = summary_of(records).cells[1].cv
    assert variation is not None
    needed = repetitions_needed(variation)
    assert finding.message == (
        f"hello @100 aio: CV {variation:.1%} over 5 trials is above 5%: the 95% CI of the mean"
        f" is ±{ci_half_width(variation, 5):.1%} of it."
    )
    assert f"Run ≥ {needed} repetitions (--repetitions {needed})" in finding.remedy


def test_stability_at_exactly_five_percent_is_silent() -> None:
    summary = summary_of(clean_records())
    summary = replace(summary, cells=(summary.cells[0], replace(summary.cells[1], cv=0.05)))
    assert check_stability(summary) == []


def test_repetitions_needed_is_the_smallest_n_meeting_the_t_interval() -> None:
    stats = pytest.importorskip("scipy.stats")
    for variation in (0.001, 0.02, 0.05, 0.118, 0.191, 0.3):
        n = repetitions_needed(variation)
        assert stats.t.ppf(0.975, n - 1) * variation / math.sqrt(n) <= 0.05 + 1e-12
        assert n == 2 or stats.t.ppf(0.975, n - 2) * variation / math.sqrt(n - 1) > 0.05
    assert repetitions_needed(0.191) == 59  # the real run's aio hello cell
    assert repetitions_needed(0.0) == 2


def test_t_975_is_the_student_quantile() -> None:
    assert [round(t_975(df), 3) for df in (1, 4, 30)] == [12.706, 2.776, 2.042]
    with pytest.raises(ValueError, match="degrees of freedom"):
        t_975(0)


@given(st.floats(min_value=0.0, max_value=2.0))
def test_repetitions_needed_never_undercuts_the_normal_approximation(variation: float) -> None:
    assert repetitions_needed(variation) >= math.ceil((1.96 * variation / 0.05) ** 2 - 1e-9)


def test_outlier_names_the_trial_and_its_value_and_keeps_it() -> None:
    records = changed(clean_records(), 6, rps=13_000.0)
    [finding] = check_outliers(records)
    assert finding.message.startswith(
        "hello @100 aio: trial 6 at 13,000 req/s is fast beside the cell's median of 10,050"
        " (Grubbs' G 1.79 above its limit of 1.72; Grubbs' test on log req/s"
    )
    assert "flagged, not dropped" in finding.message
    # Flagged, never dropped: the summary still counts it.
    assert 13_000.0 in summary_of(records).cells[1].rps


def test_a_slow_trial_at_a_plausible_distance_is_not_an_outlier() -> None:
    # The modified z-score flagged both cells (z 4.05, and 20.2 on a MAD of 10); Grubbs on
    # logs sees one slower trial of five, and two slow ones of five, as clean noise gives.
    cells = (
        [10_000.0, 10_100.0, 10_050.0, 9_950.0, 9_700.0],
        [10_000.0, 10_020.0, 10_010.0, 9_500.0, 9_400.0],
    )
    for values in cells:
        records = [trial(i, rps=rps) for i, rps in enumerate(values, start=1)]
        assert check_outliers(records) == []


def test_the_outlier_limit_is_grubbs_two_sided_five_percent() -> None:
    # Grubbs (1969), two-sided 5%: n = 3 -> 1.154, n = 5 -> 1.715, n = 10 -> 2.290.
    assert [round(grubbs_limit(n), 3) for n in (3, 5, 10)] == [1.154, 1.715, 2.29]


@given(st.floats(min_value=1.0, max_value=1e6), st.integers(min_value=1, max_value=12))
def test_equal_values_are_never_outliers(value: float, count: int) -> None:
    records = [trial(i, rps=value) for i in range(1, count + 1)]
    assert check_outliers(records) == []


@given(
    st.lists(st.floats(min_value=1.0, max_value=1e5), min_size=3, max_size=12),
    st.floats(min_value=0.01, max_value=100.0),
)
def test_outliers_do_not_depend_on_the_unit(values: list[float], scale: float) -> None:
    def flagged(rps: list[float]) -> list[str]:
        records = [trial(i, rps=v) for i, v in enumerate(rps, start=1)]
        return [f.message.split(" req/s")[0].split(" at ")[0] for f in check_outliers(records)]

    assert flagged([value * scale for value in values]) == flagged(values)


def test_outliers_need_three_trials() -> None:
    assert check_outliers([trial(1, rps=100.0), trial(2, rps=50_000.0)]) == []


def test_window_says_which_percentile_and_what_duration_would_do() -> None:
    [finding] = check_window(changed(clean_records(), 2, rps=800.0))
    assert finding.message == (
        "hello @100 aio: fewer than 10 responses lie beyond p99.9 in 1 of 5 trials"
        " (8,000 ok responses at the fewest; p99.9 needs 10,000), so that percentile is"
        " unreliable."
    )
    # 10,000 responses at 800 req/s take 12.5 s.
    assert finding.remedy.startswith("Run trials of at least 13 s (--duration 13)")


def test_window_lists_every_unreliable_percentile_most_demanding_first() -> None:
    [finding] = check_window([trial(1, rps=50.0), trial(2, rps=90.0), trial(3)])
    assert "beyond p99.9 in 2 of 3 trials and beyond p99 in 2" in finding.message
    assert "p99.9 needs 10,000 and p99 1,000" in finding.message
    assert "--duration 200" in finding.remedy


@pytest.mark.parametrize(("ok", "fires"), [(10_000, False), (9_999, True)])
def test_window_threshold_for_p99_9_is_ten_thousand(ok: int, fires: bool) -> None:
    records = [trial(1, rps=ok / 10.0), trial(2), trial(3)]
    assert bool(check_window(records)) is fires


def test_failed_trials_group_their_reasons() -> None:
    records = [
        *clean_records(),
        failed(11, reason="wrk exited with code 1; verification failed: /hello said 500"),
        failed(12, reason="/hit invariant failed: the counter rose by 5 for 4 ok responses"),
        failed(13, reason="wrk exited with code 1"),
    ]
    [finding] = check_failed(records)
    assert finding.message == (
        "hello @100 aio: 3 of 8 trials failed (wrk exited with code 1: trials 11, 13;"
        " verification failed: trial 11; /hit invariant failed: trial 12);"
        " its statistics use the other 5."
    )
    assert "trials/0011.json" in finding.remedy


def test_placement_informs_when_redis_shares_wrk_cpus() -> None:
    placement = {"app": {"cpu_ids": [1]}, "wrk": {"cpu_ids": [0]}, "redis": {"cpu_ids": [0]}}
    assert [(f.severity, f.code, f.message) for f in check_placement(placement)] == [
        (
            "info",
            "redis-shares-wrk-cpus",
            "run: redis shares CPU 0 with wrk, a deliberate compromise on a small host: in /hit"
            " cells Redis and the load generator compete for that CPU.",
        )
    ]
    assert "at least 3 CPUs" in check_placement(placement)[0].remedy


def test_placement_warns_when_the_app_shares_cpus() -> None:
    placement = {"app": {"cpu_ids": [1, 2]}, "wrk": {"cpu_ids": [2]}, "redis": {"cpu_ids": [0]}}
    assert codes(check_placement(placement)) == [("warning", "app-shares-cpus", None)]


@pytest.mark.parametrize("placement", [None, {}, {"app": {}}])
def test_placement_without_cpu_ids_is_skipped(placement: dict[str, Any] | None) -> None:
    assert check_placement(placement) == []


# --- A/A --------------------------------------------------------------------------------


def test_aa_resolution_of_identical_variants() -> None:
    a = [10_000.0, 10_200.0, 9_800.0, 10_100.0, 9_900.0]
    b = [10_050.0, 9_950.0, 10_150.0, 9_850.0, 10_000.0]

    result = aa_resolution(a, b)

    # Sample stdevs 158.1 and 111.8 around a mean of 10,000 each.
    cv_a, cv_b = 0.0158113883, 0.0111803399
    assert result["cv"] == pytest.approx([cv_a, cv_b])
    assert result["cv_pooled"] == pytest.approx(math.sqrt((cv_a**2 + cv_b**2) / 2))
    assert result["resolution"] == pytest.approx(resolution(result["cv_pooled"], 5, 5))
    # Welch's test needs t on about 8 degrees of freedom, not 2.8 normal standard errors.
    assert result["resolution"] > 2.8 * result["cv_pooled"] * math.sqrt(2 / 5)
    assert result["ratio"] == pytest.approx(1.0, abs=1e-4)
    assert result["level"] == 0.95
    assert result["differ"] is False
    low, high = result["ci"]
    assert low < 1 < high
    assert result["ci_half_width"] == pytest.approx((high - low) / 2)
    assert aa_finding(("aio", "hello", 100), result).code == "aa-resolution"


def test_aa_resolution_sees_a_bias_between_variants() -> None:
    a = [10_000.0, 10_100.0, 9_900.0, 10_050.0, 9_950.0]
    b = [value * 0.9 for value in a]

    result = aa_resolution(a, b)

    assert result["differ"] is True
    # b over a, as the run's ratio line reads.
    assert result["ratio"] == pytest.approx(0.9)
    assert result["ci"][1] < 1
    finding = aa_finding(("aio", "hello", 100), result)
    assert (finding.severity, finding.code) == ("warning", "aa-differ")
    assert finding.message.startswith(
        "hello @100 aio: identical variants differ, aio:b / aio:a = 0.90× (95% CI 0.89–0.91)"
        " excludes 1×"
    )


def test_an_aa_run_is_judged_b_over_a_like_its_ratio_line() -> None:
    run = RunDocument(run_id="run", status="complete", parameters={"aa": "aio"})
    cells = (
        SummaryCell("aio:a", "hello", 64, trials=3, failed=0, rps=(100.0, 101.0, 99.0)),
        SummaryCell("aio:b", "hello", 64, trials=3, failed=0, rps=(90.0, 91.0, 89.0)),
    )

    (finding,) = aa_findings(run, Summary(apps=("aio:a", "aio:b"), cells=cells))

    assert finding.code == "aa-differ"
    assert finding.cell == {"app": "aio", "scenario": "hello", "connections": 64}
    assert "aio:b / aio:a = 0.90× (95% CI 0.88–0.92) excludes 1×" in finding.message


def test_aa_resolution_with_unequal_trial_counts() -> None:
    result = aa_resolution([100.0, 110.0, 90.0], [100.0, 105.0, 95.0, 100.0, 100.0, 100.0])
    pooled = math.sqrt((result["cv"][0] ** 2 + result["cv"][1] ** 2) / 2)
    assert result["resolution"] == pytest.approx(resolution(pooled, 3, 6))


@pytest.mark.parametrize(
    ("a", "b", "match"),
    [([1.0], [1.0, 2.0], "cell_a_rps"), ([1.0, 2.0], [0.0, 2.0], "cell_b_rps")],
)
def test_aa_resolution_rejects_unusable_samples(a: list[float], b: list[float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        aa_resolution(a, b)


# --- run_checks -------------------------------------------------------------------------


def test_run_checks_orders_errors_warnings_info_then_checks_then_cells() -> None:
    records = changed(clean_records(), 2, errors={"timeout": 20_000}, wrk=0.95)
    records = [
        trial(r.index, FLASK, rps=r.rps or 0.0, wrk=0.95) if r.app == "flask" else r
        for r in records
    ]
    run = run_doc(
        placement={"app": {"cpu_ids": [1]}, "wrk": {"cpu_ids": [0]}, "redis": {"cpu_ids": [0]}}
    )

    findings = run_checks(run, records, summary_of(records), 100_000.0)

    assert codes(findings) == [
        ("error", "request-errors", AIO),
        ("warning", "generator-saturated", FLASK),
        ("warning", "generator-saturated", AIO),
        ("info", "harness-ceiling", None),
        ("info", "redis-shares-wrk-cpus", None),
    ]
    assert run_checks(run, records, summary_of(records), 100_000.0) == findings


def test_findings_lines_read_as_severity_message_remedy() -> None:
    records = _spread()
    [line] = findings_lines(run_checks(CLEAN_RUN, records, summary_of(records), None))
    assert line.startswith("WARNING hello @100 aio: CV 7.9% over 5 trials is above 5%")
    assert " — Run ≥ " in line


# --- the real run: 20 trials on 2 cores ------------------------------------------------

# results/20261125-011311-default-fea1: (index, app, scenario, rps, ok responses, CPU
# shares of app, wrk, redis). Each role had 1 CPU; redis shared CPU 0 with wrk; 8 s trials
# at 200 connections; no request errors, no throttling. Trial 19 failed its /hit check.
REAL_TRIALS = [
    (1, "aio", "hit", 2586.084425384367, 20770, 1.0042, 0.1356, 0.0832),
    (2, "flask", "hello", 2674.8438782872636, 21502, 1.0010, 0.1831, 0.0019),
    (3, "aio", "hello", 15088.945954568548, 121360, 0.9980, 0.4122, 0.0017),
    (4, "flask", "hit", 1571.7694484390338, 12636, 1.0054, 0.1124, 0.0650),
    (5, "aio", "hit", 2737.0358883727085, 22010, 1.0005, 0.1338, 0.0869),
    (6, "flask", "hit", 1131.502656430802, 9094, 1.0099, 0.0997, 0.0523),
    (7, "flask", "hello", 2318.899553693295, 18646, 1.0102, 0.1599, 0.0019),
    (8, "aio", "hello", 11997.638913135197, 96628, 1.0006, 0.4126, 0.0018),
    (9, "flask", "hello", 2896.464533811368, 23309, 1.0051, 0.1881, 0.0019),
    (10, "aio", "hello", 15113.520317538098, 121461, 0.9999, 0.3707, 0.0016),
    (11, "flask", "hit", 1797.4184118012904, 14456, 0.9988, 0.1320, 0.0783),
    (12, "aio", "hit", 3398.1913534383866, 27328, 0.9991, 0.1538, 0.0984),
    (13, "flask", "hello", 2713.4609816915968, 21828, 1.0045, 0.1877, 0.0020),
    (14, "aio", "hit", 2801.516035651729, 22555, 0.9979, 0.1465, 0.0893),
    (15, "aio", "hello", 10120.52799659251, 81309, 1.0013, 0.3361, 0.0020),
    (16, "flask", "hit", 1233.2891066923157, 9918, 1.0095, 0.1091, 0.0599),
    (17, "aio", "hit", 2623.6104841177444, 21143, 0.9969, 0.1328, 0.0845),
    (18, "aio", "hello", 10569.562756895217, 85167, 0.9974, 0.3653, 0.0019),
    (19, "flask", "hit", 1427.3728969682486, 11467, 1.0086, 0.1095, 0.0626),
    (20, "flask", "hello", 2162.4875696766653, 17386, 1.0107, 0.1606, 0.0020),
]
REAL_REASON = (
    "/hit invariant failed: the counter rose by 11696 for 11467 ok responses,"
    " expected 11467 to 11667 (ok <= delta <= ok + connections)"
)
REAL_RUN = run_doc(
    placement={
        "app": {"role": "app", "cpuset": "1", "cpu_ids": [1], "nano_cpus": None, "cpus": 1.0},
        "wrk": {"role": "wrk", "cpuset": "0", "cpu_ids": [0], "nano_cpus": None, "cpus": 1.0},
        "redis": {"role": "redis", "cpuset": "0", "cpu_ids": [0], "nano_cpus": None, "cpus": 1.0},
        "notes": ["redis shares CPU 0 with wrk: the host has 2 CPUs, a disjoint placement needs 3"],
    }
)


def real_records() -> list[TrialRecord]:
    records = []
    for index, app, scenario, rps, ok, app_share, wrk_share, redis_share in REAL_TRIALS:
        record = trial(
            index,
            {"app": app, "scenario": scenario, "connections": 200},
            rps=rps,
            duration_s=ok / rps,
            app=app_share,
            wrk=wrk_share,
            redis=redis_share,
            wrk_cpus=1.0,
        )
        if index == 19:
            record = replace(record, status="failed", reason=REAL_REASON)
        records.append(record)
    return records


def test_the_real_run_gets_the_findings_its_reader_needs() -> None:
    records = real_records()
    summary = summary_of(records)

    findings = run_checks(REAL_RUN, records, summary, None)

    def cell(app: str, scenario: str) -> dict[str, Any]:
        return {"app": app, "scenario": scenario, "connections": 200}

    assert codes(findings) == [
        ("warning", "failed-trials", cell("flask", "hit")),
        ("warning", "window-too-short", cell("flask", "hit")),
        ("warning", "high-cv", cell("flask", "hello")),
        ("warning", "high-cv", cell("aio", "hello")),
        ("warning", "high-cv", cell("flask", "hit")),
        ("warning", "high-cv", cell("aio", "hit")),
        ("info", "redis-shares-wrk-cpus", None),
    ]
    text = "\n".join(findings_lines(findings))
    assert "hit @200 flask: 1 of 5 trials failed (/hit invariant failed: trial 19)" in text
    assert "trials/0019.json" in text
    # Trials 6 and 16 had 9,094 and 9,918 responses; 10,000 at 1,132 req/s take 8.8 s.
    assert "beyond p99.9 in 2 of 4 trials (9,094 ok responses at the fewest" in text
    assert "(--duration 9)" in text
    assert "hello @200 aio: CV 19.1% over 5 trials is above 5%" in text
    assert "±23.7%" in text and "Run ≥ 59 repetitions" in text
    assert "hit @200 flask: CV 21.4% over 4 trials" in text
    # aio hit's trial 12 at 3,398 req/s against a median of 2,737: the modified z-score
    # called it an outlier (3.9 > 3.5); Grubbs on logs gives G 1.711 against a limit of
    # 1.715 for 5 trials, as one clean cell in twenty would.
    assert "outlier" not in text
    assert "redis shares CPU 0 with wrk" in text
    # No errors anywhere, so every measured cell may be a headline.
    assert all(headline_ok(c, findings) for c in summary.cells)


def test_the_real_run_against_a_ceiling() -> None:
    records = real_records()
    summary = summary_of(records)

    near = [f for f in run_checks(REAL_RUN, records, summary, 20_000.0) if "ceiling" in f.code]
    far = [f for f in run_checks(REAL_RUN, records, summary, 60_000.0) if "ceiling" in f.code]

    assert codes(near) == [
        ("warning", "near-harness-ceiling", {"app": "aio", "scenario": "hello", "connections": 200})
    ]
    assert "median 11,998 req/s is 60% of the harness ceiling of 20,000 req/s" in near[0].message
    assert "hello @200 aio at 11,998 req/s, reaches 20% of it" in far[0].message


# --- independence -----------------------------------------------------------------------


def drifting(
    scales: dict[str, float], own: dict[str, list[float]] | None = None
) -> list[TrialRecord]:
    """Rounds of aio and flask on hello, the host slowing round after round; `own`
    multiplies an app's trials by factors of its own, round by round (six rounds, or as
    many as it gives)."""
    rounds = len(next(iter((own or {}).values()), [0.0] * 6))
    host = [10_000.0 * 0.97**r for r in range(rounds)]
    records = []
    for r, speed in enumerate(host, start=1):
        for n, (app, scale) in enumerate(scales.items()):
            factor = (own or {}).get(app, [1.0] * len(host))[r - 1]
            cell = {**AIO, "app": app}
            record = trial(2 * r - 1 + n, cell, rps=round(speed * scale * factor))
            records.append(replace(record, repetition=r))
    return records


def test_trials_that_drift_together_get_a_warning_that_says_what_blocking_removed() -> None:
    records = drifting({"flask": 0.4, "aio": 1.0})
    summary = summary_of(records)
    findings = check_independence(records, summary)
    assert [(f.severity, f.code) for f in findings] == [("warning", "trials-autocorrelated")]
    message = findings[0].message
    assert "over 10 pairs" in message  # 2 cells x 5 consecutive pairs
    assert "from the first round to the last" in message
    assert "blocked by round, which removes a drift every app shares" in message
    assert "assumes independent trials" in message


def test_a_drift_the_apps_do_not_share_is_named_apart() -> None:
    # aio slows on its own over the rounds: its ratio to flask drifts, which blocking
    # cannot remove.
    own = {"aio": [1.10, 1.08, 1.06, 1.04, 0.97, 0.95, 0.93, 0.90]}
    records = drifting({"flask": 0.4, "aio": 1.0}, own)
    codes_found = [f.code for f in check_independence(records, summary_of(records))]
    assert "ratios-autocorrelated" in codes_found


def test_trials_that_alternate_are_not_called_autocorrelated() -> None:
    values = [10_000.0, 9_000.0, 10_100.0, 9_100.0, 9_900.0, 9_050.0]
    records = [trial(i, rps=rps) for i, rps in enumerate(values, start=1)]
    assert check_independence(records, summary_of(records)) == []


def test_independence_needs_enough_pairs() -> None:
    records = clean_records()[:3]
    assert check_independence(records, summary_of(records)) == []


def test_a_full_cpu_that_postgres_filled_names_the_database_beside_wrk() -> None:
    # A queries cell on a small host: PostgreSQL on wrk's CPU used 93% of it.
    full = evidence([(0, ["postgres", "redis", "wrk"], {}), (1, ["app"], {})], busy_s=7.9)
    base = changed(clean_records(), 2, wrk=0.06)
    records = [
        replace(r, host=full, cpu={**r.cpu, "postgres": use(0.93, 0)}) if r.index == 2 else r
        for r in base
    ]
    [finding] = check_generator(records)
    assert finding.cell == AIO
    assert "PostgreSQL beside it (up to 93% of that CPU), may have set the pace" in finding.message
    # Without a database on that CPU the finding names the generator alone.
    quiet = [replace(r, host=full) if r.index == 2 else r for r in base]
    [alone] = check_generator(quiet)
    assert "so the load generator may have set the pace" in alone.message
