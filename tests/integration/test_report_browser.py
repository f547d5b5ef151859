"""The report in a real browser: headless Chromium renders it offline and keeps a screenshot.

No engine is needed, only /usr/bin/chromium (tests/integration/chromium.py; `make test`
installs it with scripts/ensure-test-tools.sh). The screenshot lands in
test-artifacts/report.png for a person to look at.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from lab.report.write import write_reports
from tests.integration.chromium import chromium

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "runs" / "default-2cores"
SCREENSHOT = ROOT / "test-artifacts" / "report.png"
CHARTS = ("chart-rps", "chart-latency", "chart-cpu")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = tmp_path_factory.mktemp("browser") / "run"
    shutil.copytree(FIXTURE, run_dir)
    _, page = write_reports(run_dir)
    return page


def test_every_chart_is_drawn_in_the_rendered_page(report: Path, tmp_path: Path) -> None:
    result = chromium(report, tmp_path / "profile", "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert "aio serves 4.5" in dom
    for chart in CHARTS:
        figure = re.search(rf'<figure class="chart" id="{chart}">(.*?)</figure>', dom, re.DOTALL)
        assert figure is not None, f"{chart} is not in the rendered DOM"
        svg = re.search(r"<svg\b.*?</svg>", figure.group(1), re.DOTALL)
        assert svg is not None, f"{chart} has no <svg>"
        assert len(re.findall(r"<path\b", svg.group(0))) > 10, f"{chart} draws nothing"


def test_a_screenshot_of_the_report_is_kept(report: Path, tmp_path: Path) -> None:
    SCREENSHOT.parent.mkdir(exist_ok=True)
    SCREENSHOT.unlink(missing_ok=True)
    result = chromium(
        report, tmp_path / "profile", f"--screenshot={SCREENSHOT}", "--window-size=1280,2400"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert SCREENSHOT.exists(), result.stderr[-2000:]
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert SCREENSHOT.stat().st_size > 10_000
