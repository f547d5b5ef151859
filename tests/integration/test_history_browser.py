"""The history page in a real browser: headless Chromium renders `lab history`'s page of six
runs with a 15% step, offline, and keeps a screenshot in test-artifacts/history.png.

No engine is needed, only /usr/bin/chromium (tests/integration/chromium.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lab.cli.main import main
from tests.integration.chromium import chromium
from tests.unit.runs import history_runs

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "test-artifacts" / "history.png"
CELLS = 4  # the fixture's matrix: flask and aio, hello and hit, at 200 connections


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    results = tmp_path_factory.mktemp("history") / "results"
    history_runs(results, runs=6, step_after=3, step=-0.15)
    assert main(["history", "--out", str(results)]) == 0
    return results / "history.html"


def test_the_step_and_every_cell_are_drawn_in_the_rendered_page(page: Path, tmp_path: Path) -> None:
    result = chromium(page, tmp_path / "profile", "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    steps = re.search(r'<section id="steps">(.*?)</section>', dom, re.DOTALL)
    assert steps is not None
    assert "20261201-120000-default-0002" in steps.group(1)
    assert "20261201-130000-default-0003" in steps.group(1)
    assert re.search(r'<td class="size">-1\d\.\d%</td>', steps.group(1))
    for n in range(1, CELLS + 1):
        figure = re.search(
            rf'<figure class="chart" id="history-{n}">(.*?)</figure>', dom, re.DOTALL
        )
        assert figure is not None, f"history-{n} is not in the rendered DOM"
        svg = re.search(r"<svg\b.*?</svg>", figure.group(1), re.DOTALL)
        assert svg is not None, f"history-{n} has no <svg>"
        assert len(re.findall(r"<path\b", svg.group(0))) > 10, f"history-{n} draws nothing"
    # The step's size is written on its chart, beside the dashed line.
    assert re.search(r"<text\b[^>]*>-1\d\.\d%</text>", dom)


def test_a_screenshot_of_the_history_is_kept(page: Path, tmp_path: Path) -> None:
    SCREENSHOT.parent.mkdir(exist_ok=True)
    SCREENSHOT.unlink(missing_ok=True)
    result = chromium(
        page, tmp_path / "profile", f"--screenshot={SCREENSHOT}", "--window-size=1280,2400"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert SCREENSHOT.exists(), result.stderr[-2000:]
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert SCREENSHOT.stat().st_size > 10_000
