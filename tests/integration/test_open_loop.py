"""Open mode on a real engine: what a stall does to each mode's p99, and the quick preset's
report with its latency-against-load chart rendered in headless Chromium."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from lab.measure.histogram import percentiles
from lab.measure.openjson import parse_open_output
from lab.measure.wrkjson import parse_wrk_output
from tests.integration.chromium import chromium
from tests.integration.runs import ROOT, run_folder, start_lab, trials

pytestmark = pytest.mark.integration

OPEN_SCREENSHOT = ROOT / "test-artifacts" / "open-report.png"


def sweeps(out: Path) -> list[dict[str, Any]]:
    paths = sorted((run_folder(out) / "open").glob("*.json"))
    return [json.loads(path.read_text()) for path in paths]


def finished(process: Any, timeout_s: float) -> tuple[int, str, str]:
    stdout, stderr = process.communicate(timeout=timeout_s)
    return process.returncode, stdout, stderr


def test_a_stall_hides_from_the_closed_loop_and_shows_in_the_open_loop(tmp_path: Path) -> None:
    # One app, closed-loop first (wrk, 64 connections), then open-loop at 50% of the
    # throughput it reached; the app is paused 500 ms in the middle of every 5 s of each
    # measured window (8 s: two pauses) in both modes.
    process = start_lab(
        "run",
        "--preset", "quick",
        "--apps", "aio",
        "--scenarios", "hello",
        "--mode", "open",
        "--rates", "50%",
        "--inject-stall", "500ms/5s",
        "--duration", "8",
        "--warmup", "1",
        "--no-ceiling",
        "--out", str(tmp_path),
    )  # fmt: skip
    code, _, stderr = finished(process, 240)
    assert code == 0, stderr[-3000:]
    (closed,) = trials(tmp_path)
    assert closed["status"] == "ok", closed.get("reason")
    assert [s[1] for s in closed["verification"]["injected_stalls"]["stalls"]] == pytest.approx(
        [0.5, 0.5], abs=0.15
    ), closed["verification"]["injected_stalls"]
    closed_p99_ms = parse_wrk_output(closed["wrk"]["stdout"]).latency_us.p99 / 1000
    (sweep,) = sweeps(tmp_path)
    (point,) = sweep["points"]
    assert len(point["stalls"]) == 2, point["stalls"]
    result = parse_open_output(point["generator"]["stdout"])
    assert result.service is not None
    open_p99_ms = percentiles(result.latency)["p99"] / 1000
    naive_p99_ms = percentiles(result.service)["p99"] / 1000
    figures = (
        f"open loop at {point['rate_rps']:,.0f} req/s ({result.achieved_rps:,.0f} achieved,"
        f" point {point['status']}): p99 {open_p99_ms:.1f} ms from the intended send times,"
        f" {naive_p99_ms:.1f} ms from the real ones; wrk (closed loop, {closed['rps']:,.0f}"
        f" req/s): p99 {closed_p99_ms:.1f} ms"
    )
    print(figures)
    # The open loop charges the stall to every request it delayed...
    assert open_p99_ms >= 250, figures
    # ...where the same requests timed from their real send, as a naive closed loop times
    # them, hide it: only the ones in flight when the app froze waited.
    assert naive_p99_ms < 100, figures
    assert open_p99_ms >= 4 * naive_p99_ms, figures
    # wrk 4.1 is not naive: after the run it back-fills its histogram at the run's mean
    # interval per connection (stats_correct), so the stall reaches its p99 too.
    assert closed_p99_ms >= 250, figures


def test_the_quick_open_run_reports_latency_against_load_in_a_browser(tmp_path: Path) -> None:
    began = time.monotonic()
    process = start_lab("run", "--mode", "open", "--preset", "quick", "--out", str(tmp_path / "r"))
    code, stdout, stderr = finished(process, 600)
    elapsed = time.monotonic() - began
    print(f"python -m lab run --mode open --preset quick: {elapsed:.0f} s")
    assert code == 0, stderr[-3000:]
    assert "open loop: latency against offered load" in stdout
    assert re.search(r"(knee at|at every rate offered|at none of the rates)", stdout), stdout
    run_dir = run_folder(tmp_path / "r")
    assert len(sweeps(tmp_path / "r")) == 4
    ceiling = json.loads((run_dir / "run.json").read_text())["open_ceiling"]
    assert ceiling["rps"], ceiling
    page = run_dir / "report.html"
    result = chromium(page, tmp_path / "profile", "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    figure = re.search(r'<figure class="chart" id="chart-open">(.*?)</figure>', result.stdout, re.S)
    assert figure is not None, "the open-loop chart is not in the rendered page"
    assert len(re.findall(r"<path\b", figure.group(1))) > 20, "the open-loop chart draws nothing"
    OPEN_SCREENSHOT.parent.mkdir(exist_ok=True)
    OPEN_SCREENSHOT.unlink(missing_ok=True)
    # Tall enough for the whole page, the open-loop section at its end included.
    shot = chromium(
        page,
        tmp_path / "profile-shot",
        f"--screenshot={OPEN_SCREENSHOT}",
        "--window-size=1280,7000",
    )
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert OPEN_SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
