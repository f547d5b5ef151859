# The report prints en dashes and multiplication signs; expected text spells them literally.
# ruff: noqa: RUF001

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from lab.analysis.assess import assess
from lab.analysis.runs import load_run
from lab.analysis.summary import build_summary
from lab.images.labels import LOCK_HASH, VERSIONS
from lab.report.content import build_content
from lab.report.findings import findings
from lab.report.headline import headline
from lab.report.provenance import IMAGE_COLUMNS, images
from lab.report.write import write_reports
from lab.results.findings import Finding
from lab.results.summarydoc import Summary
from lab.text import DASH
from tests.unit.fixtures import cpu, evidence, failed_trial, trial
from tests.unit.runs import FIXTURE, copy_fixture, write_run

FAILED_REASON = (
    "/hit invariant failed: the counter rose by 11696 for 11467 ok responses,"
    " expected 11467 to 11667 (ok <= delta <= ok + connections)"
)
# The only URL in the run's data: where the base image's Debian packages came from.
BASE_ORIGIN = "http://deb.debian.org/debian"


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    run_dir = copy_fixture(tmp_path_factory.mktemp("report") / "run")
    return write_reports(run_dir)


@pytest.fixture(scope="module")
def page(written: tuple[Path, Path]) -> str:
    return written[1].read_text(encoding="utf-8")


def _text(page: str) -> str:
    """What a reader sees: tags and inline SVG dropped, entities decoded, spaces collapsed."""
    without_svg = re.sub(r"<svg.*?</svg>", " ", page, flags=re.DOTALL)
    without_style = re.sub(r"<style>.*?</style>", " ", without_svg, flags=re.DOTALL)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", without_style)).split())


def test_both_files_are_written_into_the_run_folder(written: tuple[Path, Path]) -> None:
    markdown, page = written
    assert (markdown.name, page.name) == ("report.md", "report.html")
    assert markdown.parent == page.parent
    assert (page.parent / "run.json").exists()


def test_the_page_is_small_and_self_contained(page: str) -> None:
    assert len(page.encode()) < 2_000_000
    assert page.startswith("<!doctype html>")
    for external in ("<link", "<script", "@import", "<img", "<iframe", "src="):
        assert external not in page
    assert re.findall(r"url\((?!#)", page) == []
    assert re.findall(r'href="(?!#)', page) == []
    # A URL may appear only as text the report means to show.
    urls = re.findall(r"https?://[^\s<\"')]+", page)
    assert set(urls) == {BASE_ORIGIN}
    assert BASE_ORIGIN in _text(page)


def test_each_chart_is_a_figure_with_a_drawn_svg(page: str) -> None:
    for name in ("rps", "latency", "cpu"):
        found = re.search(
            rf'<figure class="chart" id="chart-{name}">(.*?)</figure>', page, flags=re.DOTALL
        )
        assert found is not None, name
        svg = re.search(r"<svg .*?</svg>", found.group(1), flags=re.DOTALL)
        assert svg is not None, name
        assert svg.group(0).count("<path") > 10


def test_the_headline_comes_first(page: str) -> None:
    text = _text(page)
    first = "aio serves 4.5× flask's requests on hello (95% CI 3.7–6.5×)"
    assert first in text
    assert "aio serves 1.95× flask's requests on hit (95% CI 1.52–2.51×)" in text
    assert text.index(first) < text.index("Results side by side") < text.index("Charts")
    assert page.index('id="headline"') < page.index('id="results"')


def test_the_page_lists_the_failed_trial_with_its_reason(page: str) -> None:
    failed = page[page.index('<section id="failed">') :]
    assert FAILED_REASON in _text(failed[: failed.index("</section>")])


def test_the_page_shows_the_table_and_provenance(page: str) -> None:
    text = _text(page)
    for expected in (
        "req/s (median) 2,675 11,998",
        # The fixture's summary.json is schema 1: its intervals keep the 95% they claimed.
        "CI (level) 2,162–2,896 (95%) 10,121–15,114 (95%)",
        "trials 4 ok, 1 failed 5",
        "vs flask baseline 1.95× (95%: 1.52–2.51)",
        "lab/aio:e4e598f3e3c6947f",
        "sha256:c562869ee51aa504423bbaaa045eab381a116595e0cca72bcb05da1ba0ab51a6",
        "git sha e1453dc11f25ff3d88a1fd44ab58a404ec9c55cb",
        "Docker version 20.10.24+dfsg1",
        "CPU model AMD EPYC",
        "kernel 6.18.44-fc-v782",
        "cgroup 1",
        "wrk requested cpuset 0, 1 CPU",
        "app applied cpuset 1, no CPU quota, no memory limit",
        "duration 8 s",
        "threads auto",
        "threads (effective) 1",
        "note redis shares CPU 0 with wrk",
    ):
        assert expected in text, expected


def test_the_page_has_print_styles_and_a_bounded_width(page: str) -> None:
    assert "@media print" in page
    assert "break-inside: avoid" in page
    assert re.search(r"main \{ max-width: \d+px", page)
    assert '<meta name="viewport"' in page


def test_the_same_run_gives_the_same_files(tmp_path: Path, written: tuple[Path, Path]) -> None:
    # The same folder name too: the footer names it.
    again = write_reports(copy_fixture(tmp_path / "run"))
    for first, second in zip(written, again, strict=True):
        assert first.read_bytes() == second.read_bytes()


def test_markdown_has_the_same_content(written: tuple[Path, Path]) -> None:
    markdown = written[0].read_text(encoding="utf-8")
    assert markdown.startswith("# flask vs aio\n")
    assert "**aio serves 4.5× flask's requests on hello (95% CI 3.7–6.5×)**" in markdown
    assert "| req/s (median) | 2,675 | 11,998 |" in markdown
    assert "| --- | --: | --: |" in markdown
    assert "| 19 | flask | hit | 200 | 5 | " + FAILED_REASON + " |" in markdown
    assert "open report.html" in markdown
    assert "| git sha | e1453dc11f25ff3d88a1fd44ab58a404ec9c55cb |" in markdown


def test_headline_of_the_real_run() -> None:
    summary = load_run(FIXTURE).summary
    assert headline(summary) == [
        "aio serves 4.5× flask's requests on hello (95% CI 3.7–6.5×)",
        "aio serves 1.95× flask's requests on hit (95% CI 1.52–2.51×)",
    ]


def test_headline_says_when_the_interval_includes_one() -> None:
    records = [trial(n, rps=rps) for n, rps in enumerate([1050, 1100, 1150], start=1)]
    records += [trial(n, app="aio", rps=rps) for n, rps in enumerate([1040, 1110, 1160], start=4)]
    [line] = headline(build_summary(records, ["flask", "aio"], ["hello"]))
    # The ratio of geometric means, with Welch's 95% interval on 2 degrees of freedom.
    assert line.startswith("aio serves 1.00× flask's requests on hello (95% CI 0.89–1.13×)")
    assert line.endswith("): the interval includes 1×, no clear difference")


def test_headline_names_the_level_when_a_scenario_has_several() -> None:
    records = [trial(1, connections=64), trial(2, app="aio", connections=64, rps=3000)]
    records += [trial(3, connections=200), trial(4, app="aio", connections=200, rps=2000)]
    lines = headline(build_summary(records, ["flask", "aio"], ["hello"]))
    # One trial a side has no spread: a ratio, and no interval to pretend otherwise.
    assert lines == [
        "aio serves 3.0× flask's requests on hello at 64 connections",
        "aio serves 2.0× flask's requests on hello at 200 connections",
    ]


def test_headline_of_one_app_gives_its_medians() -> None:
    summary = build_summary([trial(1, rps=1000), trial(2, rps=1200)], ["flask"], ["hello"])
    # Two trials bracket the median half the time: the interval says 50%, not 95%.
    assert headline(summary) == ["flask serves 1,100 req/s on hello (median; 50% CI 1,000–1,200)"]


def test_headline_without_ok_trials() -> None:
    summary = build_summary([failed_trial(1)], ["flask"], ["hello"])
    assert headline(summary) == ["no ok trials: there is nothing to compare"]
    empty = Summary(apps=(), cells=())
    assert headline(empty) == ["no ok trials: there is nothing to compare"]


def test_findings_of_the_real_run() -> None:
    found = findings(load_run(FIXTURE))
    assert found[0][0] == "warning" and found[0][1].startswith("1 of 20 trials failed")
    # Then the lab's own checks, worst first: the same findings the terminal shows.
    assert found[1][0] == "warning"
    assert found[1][1].startswith("hit @200 flask: 1 of 5 trials failed")
    # One entry per kind: its first cell in full, then the other cells it touches.
    [high_cv] = [text for _, text in found if "(high-cv)" in text]
    assert high_cv.startswith("hello @200 flask: CV 11.8%")
    assert high_cv.endswith(
        "… and 3 more cells the same (high-cv): hello @200 aio, hit @200 flask, hit @200 aio"
    )
    assert not any(text.startswith("hello @200 aio: CV 19.1%") for _, text in found)
    assert found[-1][0] == "info" and found[-1][1].startswith("run: redis shares CPU 0 with wrk")


def test_the_results_come_before_the_findings(written: tuple[Path, Path], page: str) -> None:
    markdown = written[0].read_text(encoding="utf-8")
    assert markdown.index("## Results") < markdown.index("## Warnings and notes")
    assert markdown.index("| req/s (median) |") < markdown.index("- warning:")
    assert page.index('id="headline"') < page.index('id="results"') < page.index('id="warnings"')
    assert page.index('id="warnings"') < page.index('id="charts"')


def test_the_report_gathers_findings_and_summary_json_keeps_every_one(tmp_path: Path) -> None:
    run_dir = copy_fixture(tmp_path / "run")
    before = (run_dir / "summary.json").read_bytes()
    markdown, _ = write_reports(run_dir)
    assert (run_dir / "summary.json").read_bytes() == before
    data = load_run(run_dir)  # the fixture's summary.json predates findings: re-assessed
    codes = [finding.code for finding in assess(data.run, data.records, data.summary)]
    assert codes.count("high-cv") == 4
    entries = [line for line in markdown.read_text().splitlines() if line.startswith("- ")]
    assert sum("CV " in line and "is above 5%" in line for line in entries) == 1
    # Worst first: the run's failed trials, the lab's warnings, then its information.
    severities = [line.split(":")[0] for line in entries]
    assert severities == sorted(severities, key=["- warning", "- info", "- note"].index)


def test_an_error_leads_the_findings_and_keeps_its_own_entry() -> None:
    data = load_run(FIXTURE)
    error = Finding("error", "failed-trials", "hit @200 aio: every trial failed.", "Read them.")
    error = replace(error, cell={"app": "aio", "scenario": "hit", "connections": 200})
    summary = replace(data.summary, findings=(*(data.summary.findings or ()), error))
    found = findings(replace(data, summary=summary))
    assert found[0] == ("error", "hit @200 aio: every trial failed. – Read them.")
    assert found[1][1].startswith("1 of 20 trials failed")
    assert [severity for severity, _ in found].count("error") == 1


def test_findings_flag_a_busy_load_generator_errors_few_trials_and_a_dirty_tree(
    tmp_path: Path,
) -> None:
    busy = replace(
        trial(1, status_errors=7), cpu={"app": cpu(1.0), "wrk": cpu(0.97), "redis": None}
    )
    run_dir = write_run(tmp_path / "run", [busy], apps=["flask"], scenarios=["hello"])
    data = load_run(run_dir)
    dirty = {**data.provenance, "lab": {"version": "0.1.0", "git": {"sha": "abc", "dirty": True}}}
    found = [text for _, text in findings(replace(data, run=replace(data.run, provenance=dirty)))]
    assert any(line.startswith("hello @200 flask: only 1 ok trial") for line in found)
    assert any("wrk used 90% or more" in line and "97%" in line for line in found)
    assert any("hello @200 flask: 7 4xx/5xx responses" in line for line in found)
    assert any(line.startswith("the lab's git tree was dirty") for line in found)


def test_an_interrupted_run_is_reported_from_its_trials(tmp_path: Path) -> None:
    records = [trial(1), trial(2, app="aio", rps=3000)]
    run_dir = write_run(tmp_path / "run", records, with_summary=False, status="interrupted")
    content = build_content(load_run(run_dir))
    assert content.findings[0] == ("warning", "the run is interrupted: 2 of 2 trials recorded")
    assert content.findings[1][1].startswith("summary.json is missing")
    markdown, page = write_reports(run_dir)
    assert "aio serves 3.0× flask's requests on hello" in _text(page.read_text())
    assert "recomputed" in markdown.read_text()


def test_an_aborted_run_says_why_it_stopped(tmp_path: Path) -> None:
    run_dir = write_run(tmp_path / "run", [trial(1)], status="aborted")
    data = load_run(run_dir)
    why = "the Docker engine stopped answering during the run: refused"
    found = findings(replace(data, run=replace(data.run, reason=why)))
    assert found[0][1] == f"the run is aborted: 1 of 1 trials recorded; it stopped because {why}"


def test_a_run_without_ok_trials_still_gets_a_report(tmp_path: Path) -> None:
    run_dir = write_run(tmp_path / "run", [failed_trial(1)], apps=["flask"], scenarios=["hello"])
    _, page = write_reports(run_dir)
    text = _text(page.read_text())
    assert "No ok trials: nothing to draw." in text
    assert "app container exited with code 1" in text


def test_names_from_the_run_are_escaped(tmp_path: Path) -> None:
    records = [trial(1, app="<b>flask</b>"), trial(2, app="aio&co", rps=2000)]
    run_dir = write_run(tmp_path / "run", records, apps=["<b>flask</b>", "aio&co"])
    markdown, page = write_reports(run_dir)
    source = page.read_text()
    assert "<b>" not in source
    assert "&lt;b&gt;flask&lt;/b&gt; vs aio&amp;co" in source
    assert "aio&co serves 2.0× <b>flask</b>'s requests" in _text(source)
    assert "# <b>flask</b> vs aio&co" in markdown.read_text()


def test_the_host_section_summarises_each_cpu_and_the_controller(tmp_path: Path) -> None:
    run_dir = copy_fixture(tmp_path / "run")
    assert not [s for s in build_content(load_run(run_dir)).sections if s.title.startswith("Host ")]
    for n, path in enumerate(sorted((run_dir / "trials").glob("*.json"))):
        record = json.loads(path.read_text())
        shares = {"foreign": 0.01 * n, "softirq": 0.15}
        record["host"] = evidence([(1, ["app"], shares)], controller_share=0.001 * n).to_dict()
        path.write_text(json.dumps(record))
    (section,) = [
        s for s in build_content(load_run(run_dir)).sections if s.title.startswith("Host ")
    ]
    count = len(list((run_dir / "trials").glob("*.json")))
    assert section.title == f"Host during the measured windows (median of {count})"
    cpu_row, controller_row = section.rows
    assert cpu_row[0] == "CPU 1 (app)"
    assert f"foreign {0.01 * ((count - 1) / 2) * 100:.1f}%" in cpu_row[1]
    assert f"(max {0.01 * (count - 1) * 100:.1f}%)" in cpu_row[1]
    assert "softirq 15.0% (max 15.0%)" in cpu_row[1]
    assert controller_row[0] == "controller" and "of a CPU" in controller_row[1]


def test_the_images_table_shows_each_images_locked_versions() -> None:
    labels = {LOCK_HASH: "ab" * 32, VERSIONS: "aiohttp==3.9.5, gunicorn==27.0.1"}
    provenance = {
        "images": {
            "aio__aiohttp_3_9_5_7c4d5c51": {"tag": "lab/x:1", "id": "sha256:1", "labels": labels},
            "redis": {"tag": "lab/redis:2", "id": "sha256:2", "labels": {LOCK_HASH: "none"}},
        }
    }
    rows = images(provenance)
    assert IMAGE_COLUMNS[-1] == "versions"
    assert rows[0][-1] == "aiohttp==3.9.5, gunicorn==27.0.1"
    assert rows[1][-1] == DASH


def test_the_report_names_each_apps_deployment_from_run_json(tmp_path: Path) -> None:
    records = [trial(n, rps=1000) for n in range(3)] + [
        trial(n + 10, app="aio", rps=4000) for n in range(3)
    ]
    servers = {
        "flask": {"name": "gunicorn", "target": "app:app", "worker_class": "gevent"},
        "aio": {
            "name": "gunicorn",
            "target": "app:app",
            "worker_class": "aiohttp.GunicornWebWorker",
        },
    }
    effective = {
        # flask as a run records it now; aio as a run from before labels did.
        "apps": {
            "flask": {"framework": "flask", "server": servers["flask"], "deployment": "Flask · W"},
            "aio": {"framework": "aiohttp", "server": servers["aio"]},
        }
    }
    run_dir = write_run(tmp_path / "run", records, scenarios=("hello",), effective=effective)
    content = build_content(load_run(run_dir))
    assert content.deployments == ("Flask · W", "aiohttp · gunicorn aiohttp worker")
    md, page = (path.read_text(encoding="utf-8") for path in write_reports(run_dir))
    assert "| deployment | Flask · W | aiohttp · gunicorn aiohttp worker |" in md
    assert '<span class="deployment">aiohttp · gunicorn aiohttp worker</span>' in page


def test_a_run_without_recorded_servers_reads_without_deployments(
    written: tuple[Path, Path],
) -> None:
    assert "deployment" not in written[0].read_text(encoding="utf-8")
