# The table prints en dashes and multiplication signs; expected text spells them literally.
# ruff: noqa: RUF001

from __future__ import annotations

import json

from rich.console import Console

from lab.analysis.summary import build_summary
from lab.cli.table import render_summary
from lab.report.rows import ratio_caveat, summary_lines
from lab.results.intervaldoc import StatedInterval
from lab.results.summarydoc import Ratio, Summary, SummaryCell
from tests.unit.fixtures import cpu, failed_trial, trial


def _summary() -> Summary:
    records = [
        trial(1, rps=1000, cpu_app=cpu(0.5)),
        trial(2, rps=1000, cpu_app=cpu(0.5)),
        trial(3, rps=1000, status_errors=7, cpu_app=cpu(0.5)),
        trial(10, app="aio", rps=5000),
        trial(11, app="aio", rps=5400),
        trial(12, app="aio", rps=5200),
        failed_trial(13, app="aio"),
        trial(20, app="aio", scenario="hit", connections=64, rps=800),
    ]
    return build_summary(records, ["flask", "aio"], ["hello", "hit"])


def _rendered(summary: Summary) -> str:
    console = Console(record=True, width=120)
    render_summary(summary, console)
    return console.export_text()


def _row(text: str, label: str) -> list[str]:
    """The cells of the first rendered row starting with `label`, split on runs of spaces."""
    for line in text.splitlines():
        if line.strip().startswith(label):
            return [cell for cell in line.strip()[len(label) :].split("  ") if cell.strip()]
    raise AssertionError(f"no row {label!r} in:\n{text}")


def test_table_puts_apps_side_by_side() -> None:
    text = _rendered(_summary())

    assert text.splitlines()[0].split() == ["flask", "aio"]
    assert "hello @200 connections" in text
    assert "hit @64 connections" in text
    assert [c.strip() for c in _row(text, "req/s (median)")] == ["1,000", "5,200"]
    # Three trials: min to max, which holds the median 75% of the time.
    assert [c.strip() for c in _row(text, "CI (level)")] == [
        "1,000–1,000 (75%)",
        "5,000–5,400 (75%)",
    ]
    # aio: mean 5200, sample stdev 200.
    assert [c.strip() for c in _row(text, "CV")] == ["0.0%", "3.8%"]
    assert [c.strip() for c in _row(text, "latency p50")] == ["6.0 ms", "6.0 ms"]
    assert [c.strip() for c in _row(text, "p99.9")] == ["15.0 ms", "15.0 ms"]
    assert [c.strip() for c in _row(text, "errors")] == ["7", "0"]
    assert [c.strip() for c in _row(text, "CPU app/wrk/redis")] == ["50%/–/–", "–/–/–"]
    assert [c.strip() for c in _row(text, "trials")] == ["3", "3 ok, 1 failed"]


def test_table_ends_with_the_ratio_line() -> None:
    text = _rendered(_summary())

    # Welch's t on log req/s, 2 degrees of freedom (flask does not vary): t = 4.30.
    assert text.rstrip().splitlines()[-1] == "hello @200: aio / flask = 5.2× (95% CI 4.7–5.7)"


def test_summary_lines_match_the_table() -> None:
    lines = summary_lines(_summary())

    assert lines[:16] == [
        "hello @200 connections",
        "                                   flask                aio",
        "  req/s (median)                   1,000              5,200",
        "  CI (level)           1,000–1,000 (75%)  5,000–5,400 (75%)",
        "  CV                                0.0%               3.8%",
        "  latency p50                     6.0 ms             6.0 ms",
        "  p90                             7.0 ms             7.0 ms",
        "  p99                             9.0 ms             9.0 ms",
        "  p99.9                          15.0 ms            15.0 ms",
        "  errors                               7                  0",
        "  CPU app/wrk/redis              50%/–/–              –/–/–",
        # flask: 0.5 s of the app's CPU for 1,000 ok responses in each trial; aio unmeasured.
        "  app CPU ms/req     0.500 (0.500–0.500)                  –",
        "  req/CPU-s                        2,000                  –",
        "  MiB peak/end                         –                  –",
        "  MiB/worker                           –                  –",
        "  trials                               3     3 ok, 1 failed",
    ]
    # A level where flask never ran shows dashes in its column.
    assert lines[17:20] == [
        "hit @64 connections",
        "                     flask      aio",
        "  req/s (median)         –      800",
    ]
    assert lines[-1] == "hello @200: aio / flask = 5.2× (95% CI 4.7–5.7)"


def test_summary_loaded_from_json_renders_the_same() -> None:
    summary = _summary()

    loaded = Summary.from_dict(json.loads(json.dumps(summary.to_dict())))

    assert summary_lines(loaded) == summary_lines(summary)


def test_cell_without_ok_trials_and_null_ratio() -> None:
    summary = build_summary(
        [failed_trial(1, app="flask"), failed_trial(2, app="flask"), trial(3, app="aio")],
        ["flask", "aio"],
        ["hello"],
    )

    lines = summary_lines(summary)
    text = _rendered(summary)

    assert "  req/s (median)                  –    1,000" in lines
    assert "  trials             0 ok, 2 failed        1" in lines
    assert lines[-1] == "hello @200: aio / flask = n/a (no ok trials or zero req/s)"
    assert "hello @200: aio / flask = n/a (no ok trials or zero req/s)" in text


def test_ratio_without_interval() -> None:
    # A hand-written summary with only the keys a reader of summary.json must meet.
    summary = Summary(
        apps=("flask",),
        cells=(SummaryCell("flask", "hello", 10, trials=1, failed=0, rps=()),),
        ratios=(Ratio("hello", 10, numerator="aio", denominator="flask", ratio=0.871),),
    )

    lines = summary_lines(summary)

    assert lines[1:3] == ["                     flask", "  req/s (median)         –"]
    assert lines[-1] == "hello @10: aio / flask = 0.87×"


def test_app_names_are_not_markup() -> None:
    summary = build_summary([trial(1, app="[bold]x[/bold]")], ["[bold]x[/bold]"], ["hello"])

    assert "[bold]x[/bold]" in _rendered(summary)


def test_empty_summary() -> None:
    summary = build_summary([], ["flask"], ["hello"])

    assert summary_lines(summary) == ["no trials recorded"]
    assert _rendered(summary).strip() == "no trials recorded"


def test_a_ratio_over_a_cell_with_errors_says_so() -> None:
    summary = Summary(
        apps=("flask", "aio"),
        cells=(
            SummaryCell("flask", "hit", 200, trials=5, failed=0, rps=(), headline_ok=True),
            SummaryCell("aio", "hit", 200, trials=5, failed=0, rps=(), headline_ok=False),
        ),
        ratios=(
            Ratio(
                "hit", 200, "aio", "flask", ratio=2.4, ci=StatedInterval(1.8, 2.6, 0.95, "Welch")
            ),
        ),
    )
    assert ratio_caveat(summary, summary.ratios[0]) == (
        " [aio had errors or failed trials: see the findings]"
    )
