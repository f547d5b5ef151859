"""The typed formats read and write every file exactly as the lab wrote it.

The golden files (tests/fixtures/golden/, see its README) were written by the code as it
was before run.json, summary.json and the comparison became dataclasses, (the "-v2"
files) when the intervals began to state their levels, and (the "-v3" files and the
comparison outputs) when the ratios were blocked by round, (the "-v4" files) when each cell
gained its cost of serving, (the "-v5" files, alike but for the version: a run on one host has
no `hosts`) when merged runs stated their hosts' agreement; the fixture run is a real run
written by an earlier version still. Each test compares the
text the store writes, byte for byte, so key order, null versus missing keys and float
formatting count. A schema 1 summary is still read, and written back as schema 1.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import re
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console

from lab.analysis.assess import annotate, assess, ceiling_rps
from lab.analysis.compare import compare_runs, comparison_document
from lab.analysis.comparetext import comparison_lines
from lab.analysis.runs import load_run
from lab.analysis.summary import build_summary
from lab.cli.results import register
from lab.results.comparisondoc import ComparisonDocument
from lab.results.intervaldoc import LEGACY_LEVEL, LEGACY_METHOD
from lab.results.openrecords import OpenSweep
from lab.results.reader import read_run_document, read_trials
from lab.results.rundoc import RerunOf, RunDocument, TrialCounts
from lab.results.store import RunStore, write_json_atomic
from lab.results.summarydoc import Summary
from tests.unit.runs import FIXTURE, comparison_pair

GOLDEN = Path(__file__).resolve().parents[2] / "fixtures" / "golden"
RUN_FILES = [FIXTURE / "run.json", GOLDEN / "run-rerun.json", GOLDEN / "run-resumed.json"]
SUMMARY_FILES = [
    FIXTURE / "summary.json",
    GOLDEN / "summary-annotated.json",
    GOLDEN / "summary-recomputed-v2.json",
    GOLDEN / "summary-annotated-v2.json",
    GOLDEN / "summary-recomputed-v3.json",
    GOLDEN / "summary-annotated-v3.json",
    GOLDEN / "summary-recomputed-v4.json",
    GOLDEN / "summary-annotated-v4.json",
    GOLDEN / "summary-recomputed-v5.json",
    GOLDEN / "summary-annotated-v5.json",
]


def written(data: object) -> str:
    """What RunStore writes for `data`: the one JSON writer of the lab's files."""
    return json.dumps(data, indent=2) + "\n"


@pytest.mark.parametrize("path", RUN_FILES, ids=lambda p: p.name)
def test_run_json_reads_and_writes_back_byte_for_byte(path: Path, tmp_path: Path) -> None:
    text = path.read_text()
    document = RunDocument.from_dict(json.loads(text))
    assert written(document.to_dict()) == text
    RunStore(tmp_path).write_run(document)
    assert (tmp_path / "run.json").read_text() == text


@pytest.mark.parametrize("path", SUMMARY_FILES, ids=lambda p: p.name)
def test_summary_json_reads_and_writes_back_byte_for_byte(path: Path, tmp_path: Path) -> None:
    text = path.read_text()
    summary = Summary.from_dict(json.loads(text))
    assert written(summary.to_dict()) == text
    RunStore(tmp_path).write_summary(summary)
    assert (tmp_path / "summary.json").read_text() == text


@pytest.mark.parametrize("name", ["comparison.json", "comparison-v2.json"])
def test_comparison_json_reads_and_writes_back_byte_for_byte(name: str) -> None:
    text = (GOLDEN / name).read_text()
    assert written(ComparisonDocument.from_dict(json.loads(text)).to_dict()) == text


def test_a_comparison_printed_before_the_levels_still_reads() -> None:
    old = ComparisonDocument.from_dict(json.loads((GOLDEN / "comparison-v1.json").read_text()))
    cell = old.cells[1]
    assert cell.ci is not None
    assert (cell.ci.level, cell.ci.method) == (LEGACY_LEVEL, LEGACY_METHOD)
    assert (cell.test, cell.p_adjusted, old.alpha) == (None, None, None)


def test_the_summary_recomputed_from_the_real_trials_is_the_one_written() -> None:
    """The producer's summary of the real trials, then run_id and notes as the runner adds
    them; the same trials, medians and spreads as the run's own (schema 1) summary (whose
    latency max was the median of the trials' maxima, not the largest)."""
    stored = json.loads((FIXTURE / "summary.json").read_text())
    run = json.loads((FIXTURE / "run.json").read_text())
    produced = build_summary(read_trials(FIXTURE), ["flask", "aio"], ["hello", "hit"])
    for new, old in zip(produced.to_dict()["cells"], stored["cells"], strict=True):
        for key in ("rps", "rps_median", "cv", "errors", "cpu"):
            assert new[key] == old[key], key
    completed = replace(produced, run_id=run["run_id"], notes=tuple(run["effective"]["notes"]))
    assert written(completed.to_dict()) == (GOLDEN / "summary-recomputed-v5.json").read_text()


def _golden_run() -> RunDocument:
    """The run the annotated golden summary was made for: the real one, with a ceiling."""
    return replace(
        read_run_document(FIXTURE),
        ceiling={
            "server": "static",
            "file": "ceiling.json",
            "connections": {"200": {"rps": 14000.5, "status": "ok", "reason": None}},
        },
    )


def test_the_runs_summary_with_its_findings_is_the_one_written_before() -> None:
    """The runner's summary, made as lab/engine/endings.py's run_summary makes it."""
    document = _golden_run()
    records = read_trials(FIXTURE)
    summary = replace(
        build_summary(records, ["flask", "aio"], ["hello", "hit"]),
        run_id=document.run_id,
        notes=tuple((document.effective or {})["notes"]),
        ceiling_rps=ceiling_rps(document),
        network_path="bridge",
    )
    annotated = annotate(summary, assess(document, records, summary))
    assert written(annotated.to_dict()) == (GOLDEN / "summary-annotated-v5.json").read_text()


def _started() -> RunDocument:
    real = json.loads((FIXTURE / "run.json").read_text())
    return RunDocument.started(
        run_id=real["run_id"],
        created_at=real["created_at"],
        parameters=real["parameters"],
        effective=real["effective"],
        placement=real["placement"],
        plan=real["plan"],
        estimate_s=real["estimate_s"],
        provenance=real["provenance"],
    )


def test_a_started_run_is_written_as_the_runners_first_run_json() -> None:
    """new_run_document's dict, as lab/engine/runner.py writes it before the first trial."""
    real = json.loads((FIXTURE / "run.json").read_text())
    sections = ("parameters", "effective", "placement", "plan", "estimate_s", "provenance")
    first = {"schema_version": 1, "kind": "lab.run", "run_id": real["run_id"]}
    first |= {"status": "running", "created_at": real["created_at"], "finished_at": None}
    first |= {key: real[key] for key in sections}
    assert written(_started().to_dict()) == written(first)


def _stack_and_measures() -> tuple[dict[str, object], ...]:
    rerun = json.loads((GOLDEN / "run-rerun.json").read_text())
    return rerun["applied"], rerun["isolation"], rerun["calibration"], rerun["ceiling"]


def test_the_runners_steps_write_a_rerun_as_before() -> None:
    """The runner's steps for a rerun that ends in one session."""
    applied, isolation, calibration, ceiling = _stack_and_measures()
    finished_at = json.loads((FIXTURE / "run.json").read_text())["finished_at"]
    original = RerunOf("20261124-000000-default-beef", "results/20261124-000000-default-beef")
    document = replace(_started(), rerun_of=original)
    document = replace(document, applied=applied, isolation=isolation)
    document = replace(document, calibration=calibration)
    document = replace(document, ceiling=ceiling)
    document = document.finished("complete", finished_at, 276.42437, TrialCounts(20, 19, 1))
    assert written(document.to_dict()) == (GOLDEN / "run-rerun.json").read_text()


def test_the_runners_steps_write_a_resumed_run_as_before(tmp_path: Path) -> None:
    """Interrupted before calibrating, read back by --resume, then finished."""
    applied, isolation, calibration, ceiling = _stack_and_measures()
    store = RunStore(tmp_path)
    first = replace(_started(), applied=applied, isolation=isolation).finished(
        "interrupted", "2026-11-25T01:14:00.000+00:00", 48.5004, TrialCounts(20, 3, 0)
    )
    store.write_run(first)
    resumed = replace(read_run_document(tmp_path), applied=applied, isolation=isolation)
    resumed = replace(resumed, calibration=calibration)
    resumed = replace(resumed, ceiling=ceiling)
    finished_at = json.loads((FIXTURE / "run.json").read_text())["finished_at"]
    resumed = resumed.finished("complete", finished_at, 228.1234, TrialCounts(20, 19, 1))
    store.write_run(resumed.resumed("2026-11-25T01:20:00.000+00:00"))
    assert (tmp_path / "run.json").read_text() == (GOLDEN / "run-resumed.json").read_text()


def test_the_comparison_of_the_same_two_runs_is_the_one_written_before(tmp_path: Path) -> None:
    a, b = comparison_pair(tmp_path)
    comparison = compare_runs(load_run(a), load_run(b), 5.0)
    write_json_atomic(tmp_path / "comparison.json", comparison_document(comparison).to_dict())
    written = (tmp_path / "comparison.json").read_text()
    assert same_but_last_digits(written, (GOLDEN / "comparison.json").read_text())
    lines = "\n".join(comparison_lines(comparison)) + "\n"
    assert lines == (GOLDEN / "comparison.txt").read_text()


@pytest.mark.parametrize(
    ("golden", "flags"), [("compare-cli.txt", []), ("compare-cli.json.txt", ["--json"])]
)
def test_lab_compare_prints_what_it_printed_before(
    golden: str, flags: list[str], tmp_path: Path
) -> None:
    a, b = comparison_pair(tmp_path)
    parser = argparse.ArgumentParser(prog="lab")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["compare", str(a), str(b), *flags])
    out, err = io.StringIO(), io.StringIO()
    code = args.func(
        args,
        Console(file=out, width=200, color_system=None),
        Console(file=err, width=200, color_system=None),
    )
    printed = f"exit {code}\n{out.getvalue()}--- stderr\n{err.getvalue()}"
    assert same_but_last_digits(
        printed.replace(str(tmp_path), "TMP"), (GOLDEN / golden).read_text()
    )


# A float's 16th and 17th digits: numpy's log and exp differ there between CPUs (their
# SIMD paths), so a statistic read from a fixture can end in other digits on another host.
_FLOAT = re.compile(r"-?\d+\.\d{12,}")


def same_but_last_digits(text: str, golden: str) -> bool:
    """The same text, every long float equal to 12 significant digits."""
    if _FLOAT.sub("#", text) != _FLOAT.sub("#", golden):
        return False
    pairs = zip(_FLOAT.findall(text), _FLOAT.findall(golden), strict=True)
    return all(math.isclose(float(x), float(y), rel_tol=1e-12) for x, y in pairs)


def test_an_open_sweep_written_before_points_kept_host_evidence_reads_back_unchanged(
    tmp_path: Path,
) -> None:
    text = (GOLDEN / "open-sweep-v1.json").read_text()
    sweep = OpenSweep.from_dict(json.loads(text))
    assert written(sweep.to_dict()) == text
    RunStore(tmp_path).write_sweep(sweep)
    assert (tmp_path / "open" / f"{sweep.index:04d}.json").read_text() == text
