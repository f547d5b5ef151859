"""The app's memory as the lab reads it, against a known amount.

tests/integration/ballast/ is an app whose every gunicorn worker holds 64 MiB, and its
variant `ballast-bare` the same app without it: one real run of both, with two workers,
and the difference between their workers' proportional sets must be the ballast within
10%, as must the difference between the containers' peaks (two workers' worth). The
twin gives the baseline in the same run, so the test assumes nothing about how much a
worker weighs by itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from statistics import median
from typing import Any

import pytest

from lab.results.schema import SUMMARY_SCHEMA_VERSION
from tests.integration.conftest import lab

BALLAST = Path(__file__).parent / "ballast"
BALLAST_MIB = 64
WORKERS = 2
MIB = 1024 * 1024


def _by_app(trials: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for trial in trials:
        assert trial["status"] == "ok", trial["reason"]
        found.setdefault(trial["app"], []).append(trial["memory"])
    return found


def _worker_mib(memory: dict[str, Any]) -> float:
    workers = [p["pss_bytes"] for p in memory["processes"] if p["role"] == "worker"]
    assert len(workers) == WORKERS, memory["processes"]
    return median(workers) / MIB


def test_each_workers_memory_is_its_ballast_within_ten_percent(
    tmp_path: Path, images: dict[str, str]
) -> None:
    del images  # the lab's own images first: the run builds only the ballast's
    out = tmp_path / "results"
    done = lab(
        "run", "--apps", str(BALLAST), "--scenarios", "hello", "--preset", "quick",
        "--workers", str(WORKERS), "--repetitions", "3", "--warmup", "0", "--no-ceiling",
        "--connections", "32", "--out", str(out), timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    (run_dir,) = out.iterdir()
    trials = [json.loads(path.read_text()) for path in sorted(run_dir.glob("trials/*.json"))]
    memory = _by_app(trials)

    for readings in memory.values():
        for reading in readings:
            # gunicorn's master: the one process whose children, the workers, are there too.
            (master,) = [p for p in reading["processes"] if p["role"] == "parent"]
            workers = [p for p in reading["processes"] if p["role"] == "worker"]
            assert {p["parent_pid"] for p in workers} == {master["pid"]}, reading
            assert reading["peak_bytes"] >= reading["current_bytes"] > 0

    worker = {app: median(_worker_mib(m) for m in found) for app, found in memory.items()}
    held = worker["ballast"] - worker["ballast-bare"]
    print(f"per worker: {worker} MiB; the ballast measured as {held:.1f} MiB")
    assert abs(held - BALLAST_MIB) <= 0.1 * BALLAST_MIB, worker

    peak = {app: median(m["peak_bytes"] for m in found) / MIB for app, found in memory.items()}
    held_at_peak = peak["ballast"] - peak["ballast-bare"]
    print(f"container peak: {peak} MiB; the ballast measured as {held_at_peak:.1f} MiB")
    assert abs(held_at_peak - WORKERS * BALLAST_MIB) <= 0.1 * WORKERS * BALLAST_MIB, peak

    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["schema_version"] == SUMMARY_SCHEMA_VERSION  # the cost came with 4
    for cell in summary["cells"]:
        cost = cell["cost"]
        assert cost["worker_mib"]["median"] == pytest.approx(worker[cell["app"]])
        assert cost["workers"] == WORKERS
        assert cost["cpu_ms_per_request"]["median"] > 0
        assert len(cost["requests_per_cpu_s"]["trials"]) == 3
