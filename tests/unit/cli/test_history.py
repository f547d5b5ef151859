"""`lab history` as a user runs it: six runs with a real step, the page, the JSON, the errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lab.cli.main import main
from tests.unit.runs import copy_fixture, history_runs

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six runs an hour apart; aio hello 15% slower from the fourth on."""
    folder = tmp_path_factory.mktemp("history") / "results"
    history_runs(folder, runs=6, step_after=3, step=-0.15)
    return folder


def test_the_command_finds_the_step_between_the_third_and_fourth_run(results: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "DOCKER_HOST": "unix:///nonexistent/docker.sock"}
    done = subprocess.run(
        [sys.executable, "-m", "lab", "history", "--out", str(results), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    page = results / "history.html"
    assert done.stderr.strip().splitlines() == [f"history: {page}"]
    document = json.loads(done.stdout)
    runs = sorted(path.name for path in results.iterdir() if path.is_dir())
    [step] = [s for s in document["steps"] if (s["app"], s["scenario"]) == ("aio", "hello")]
    assert (step["before"]["run_id"], step["after"]["run_id"]) == (runs[2], runs[3])
    assert step["size_pct"] == pytest.approx(-15, abs=3)
    assert (step["old"]["runs"], step["new"]["runs"]) == (3, 3)
    assert [run["run_id"] for run in document["runs"]] == runs
    table = page.read_text().split('<section id="steps">')[1].split("</section>")[0]
    assert runs[2] in table and runs[3] in table
    assert re.search(r'<td class="size">-1\d\.\d%</td>', table)


def test_the_text_names_the_step_and_the_page(
    results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "elsewhere" / "aio.html"
    assert main(["history", "--out", str(results), "--app", "aio", "--html", str(page)]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0] == "6 runs from 2026-12-01 10:00 to 2026-12-01 15:00, 2 cells, 1 step"
    assert lines[1].startswith("aio hello @200: -1")
    assert "between 20261201-120000-default-0002 (2026-12-01 12:00) and 20261201-130000" in lines[1]
    assert captured.err == f"history: {page}\n"
    assert page.exists() and "flask hello" not in page.read_text()


def _error(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["history", *argv])
    return code, capsys.readouterr().err


def test_a_missing_results_folder_is_one_line_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _error(capsys, "--out", str(tmp_path / "nope"))
    assert code == 2
    assert err == (
        f"lab: error: --out {tmp_path / 'nope'}: no such folder"
        " — give the results folder a run wrote to\n"
    )


def test_an_empty_results_folder_says_where_runs_come_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _error(capsys, "--out", str(tmp_path))
    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith(f"lab: error: --out {tmp_path}: no run folder in it — ")
    assert "python -m lab run" in err


def test_a_folder_of_damaged_runs_only_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = copy_fixture(tmp_path / "run")
    (run / "run.json").write_text("{")
    (run / "summary.json").unlink()
    code, err = _error(capsys, "--out", str(tmp_path))
    assert code == 2
    assert f"--out {tmp_path}: only damaged run folders (1) in it" in err


def test_an_app_no_run_measured_is_named_with_those_that_were(
    results: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _error(capsys, "--out", str(results), "--app", "django")
    assert code == 2
    assert err == (
        f"lab: error: --app django: no run in {results} measured it"
        " — the runs there measured aio, flask\n"
    )


def test_a_damaged_run_is_left_out_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy_fixture(tmp_path / "good")
    bad = copy_fixture(tmp_path / "bad")
    (bad / "summary.json").write_text("[]")
    assert main(["history", "--out", str(tmp_path), "--json", "--app", "flask"]) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith(f"note: left out {bad}: {bad / 'summary.json'}: expected")
    document = json.loads(captured.out)
    assert [item["path"] for item in document["skipped"]] == [str(bad)]
    assert document["steps"] == []
