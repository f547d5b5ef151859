from __future__ import annotations

import argparse
import io
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from lab.cli.results import register
from lab.errors import EXIT_USAGE, UsageError
from tests.unit.runs import FIXTURE, copy_fixture

RUN_ID = "20261125-011311-default-fea1"


class Outputs:
    def __init__(self) -> None:
        self.out_file, self.err_file = io.StringIO(), io.StringIO()
        self.out = Console(file=self.out_file, width=200, color_system=None)
        self.err = Console(file=self.err_file, width=200, color_system=None)

    @property
    def stdout(self) -> str:
        return self.out_file.getvalue()

    @property
    def stderr(self) -> str:
        return self.err_file.getvalue()


def _run(*argv: str) -> tuple[int, Outputs]:
    parser = argparse.ArgumentParser(prog="lab")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    outputs = Outputs()
    code: int = args.func(args, outputs.out, outputs.err)
    return code, outputs


def _edit_summary(run_dir: Path, change: Any) -> Path:
    path = run_dir / "summary.json"
    summary = json.loads(path.read_text())
    for cell in summary["cells"]:
        change(cell)
    path.write_text(json.dumps(summary))
    return run_dir


def test_register_adds_the_four_commands() -> None:
    parser = argparse.ArgumentParser(prog="lab")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["compare", "a", "b", "--threshold", "3", "--json"])
    assert (args.run_a, args.run_b, args.threshold, args.json) == (Path("a"), Path("b"), 3.0, True)
    assert parser.parse_args(["list"]).out == Path("results")
    assert parser.parse_args(["show", "r"]).json is False
    assert parser.parse_args(["report", "r"]).run_dir == Path("r")


def test_show_prints_the_table_and_the_failed_trial() -> None:
    code, outputs = _run("show", str(FIXTURE))
    assert code == 0
    text = outputs.stdout
    assert text.startswith(f"{RUN_ID}  complete  19 of 20 trials ok\n")
    assert "req/s (median)" in text and "11,998" in text
    assert "hello @200: aio / flask = 4.5×" in text  # noqa: RUF001
    assert "failed trial 19 (flask hit @200): /hit invariant failed" in text
    assert "note: redis shares CPU 0 with wrk" in text


def test_show_json_is_the_summary() -> None:
    code, outputs = _run("show", str(FIXTURE), "--json")
    assert code == 0
    assert json.loads(outputs.stdout) == json.loads((FIXTURE / "summary.json").read_text())


def test_show_names_a_damaged_file(tmp_path: Path) -> None:
    run_dir = copy_fixture(tmp_path / "run")
    (run_dir / "trials" / "0004.json").write_text("{\n\n oops")
    with pytest.raises(UsageError) as caught:
        _run("show", str(run_dir))
    assert caught.value.exit_code == EXIT_USAGE
    assert caught.value.message.startswith(f"{run_dir}/trials/0004.json: not valid JSON at line 3")


def test_list_shows_runs_newest_first_with_damaged_ones_named(tmp_path: Path) -> None:
    out = tmp_path / "results"
    out.mkdir()
    copy_fixture(out / RUN_ID)
    newer = copy_fixture(out / "20261126-000000-default-beef")
    _edit_summary(newer, lambda cell: cell.update(rps_median=cell["rps_median"] * 2))
    damaged = copy_fixture(out / "20261124-000000-default-dead")
    (damaged / "summary.json").write_text(json.dumps({"schema_version": 6}))
    (out / "scratch").mkdir()

    code, outputs = _run("list", "--out", str(out))

    assert code == 0
    lines = outputs.stdout.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"20261126-000000-default-beef ({RUN_ID})")
    assert lines[1].split() == [
        RUN_ID,
        "2026-11-25",
        "01:13",
        "default",
        "complete",
        "flask,aio",
        "19/20",
        "ok",
        "hello:",
        "flask",
        "2.67k",
        "aio",
        "12k",
        "hit:",
        "flask",
        "1.4k",
        "aio",
        "2.74k",
    ]
    assert "hello: flask 5.35k aio 24k" in lines[0]
    assert lines[2].startswith("20261124-000000-default-dead")
    assert lines[2].endswith(
        f"damaged: {damaged}/summary.json: schema_version 6, this lab reads 1, 2, 3, 4, 5"
    )


def test_list_of_an_empty_folder_says_so(tmp_path: Path) -> None:
    code, outputs = _run("list", "--out", str(tmp_path))
    assert (code, outputs.stdout) == (0, "")
    assert outputs.stderr == f"no runs in {tmp_path}\n"


def test_list_names_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"--out .*: no such folder"):
        _run("list", "--out", str(tmp_path / "nowhere"))


def test_compare_a_run_with_itself_exits_zero() -> None:
    code, outputs = _run("compare", str(FIXTURE), str(FIXTURE))
    assert code == 0
    assert "verdict: no difference" in outputs.stdout
    assert outputs.stderr == ""


def test_compare_exits_one_on_a_regression(tmp_path: Path) -> None:
    slower = _edit_summary(
        copy_fixture(tmp_path / "slower"),
        lambda cell: cell.update(rps=[value * 0.5 for value in cell["rps"]]),
    )
    code, outputs = _run("compare", str(FIXTURE), str(slower), "--json")
    assert code == 1
    data = json.loads(outputs.stdout)
    assert data["verdict"] == "regressed"
    assert {cell["verdict"] for cell in data["cells"]} == {"regressed"}


def test_compare_exits_two_when_a_cell_has_too_few_trials(tmp_path: Path) -> None:
    thin = _edit_summary(
        copy_fixture(tmp_path / "thin"), lambda cell: cell.update(rps=cell["rps"][:2])
    )
    code, outputs = _run("compare", str(FIXTURE), str(thin))
    assert code == 2
    assert outputs.stderr.startswith(
        "lab: not comparable: flask hello @200: 2 ok trials in B, too few for the test"
    )
    assert "verdict: not comparable" in outputs.stdout


def test_compare_refuses_a_negative_threshold() -> None:
    with pytest.raises(UsageError, match="--threshold -1: must be a percentage of 0 or more"):
        _run("compare", str(FIXTURE), str(FIXTURE), "--threshold", "-1")


def test_compare_names_a_damaged_run(tmp_path: Path) -> None:
    run_dir = copy_fixture(tmp_path / "run")
    (run_dir / "run.json").write_text("")
    with pytest.raises(UsageError, match=r"run/run.json: not valid JSON at line 1"):
        _run("compare", str(FIXTURE), str(run_dir))


def test_report_writes_both_files_and_prints_their_paths(tmp_path: Path) -> None:
    run_dir = copy_fixture(tmp_path / "run")
    code, outputs = _run("report", str(run_dir))
    assert code == 0
    assert outputs.stdout.splitlines() == [f"{run_dir}/report.md", f"{run_dir}/report.html"]
    assert (run_dir / "report.html").stat().st_size > 10_000
