"""The cost of serving in the table's rows and in the ranking by efficiency."""

# The rows print en dashes and multiplication signs; expected text spells them literally.
# ruff: noqa: RUF001

from __future__ import annotations

from rich.console import Console

from lab.analysis.summary import build_summary
from lab.cli.table import render_summary
from lab.measure.memory import MIB, ContainerMemory, ProcessReading, with_roles
from lab.report.content import ReportContent
from lab.report.costrows import COST_LABELS, cost_column
from lab.report.efficiency import EFFICIENCY_LEGEND, efficiency_rankings
from lab.report.markdown import render_markdown
from lab.report.ranking import rankings
from lab.report.rows import ROW_LABELS, blocks
from lab.results.summarydoc import Summary, SummaryCell
from tests.unit.fixtures import cpu, trial

APPS = ["flask", "aio", "fastapi", "django"]
# Each app's CPU share for its 1,000 ok responses in 1 s: aio is the cheapest.
SHARES = {"flask": 0.8, "aio": 0.2, "fastapi": 0.4, "django": 1.0}


def memory(worker_mib: int) -> ContainerMemory:
    readings = [ProcessReading(10, 1, "gunicorn: master", 30 * MIB, 20 * MIB)] + [
        ProcessReading(11 + n, 10, "gunicorn: worker", 80 * MIB, worker_mib * MIB) for n in range(2)
    ]
    return ContainerMemory("v1", 121 * MIB, 98 * MIB, 80 * MIB, with_roles(readings))


def summary(apps: list[str]) -> Summary:
    records = [
        trial(
            10 * n + r,
            app=app,
            rps=1000,
            cpu_app=cpu(SHARES[app] * (1 + r / 10)),
            memory=memory(40 + n),
        )
        for n, app in enumerate(apps)
        for r in range(3)
    ]
    return build_summary(records, apps, ["hello"])


def test_the_side_by_side_table_has_the_cost_rows() -> None:
    (block,) = blocks(summary(APPS[:2]), APPS[:2])
    rows = dict(zip(ROW_LABELS, block.rows, strict=True))
    # flask: 0.8, 0.88, 0.96 s of CPU for 1,000 responses; three trials, min to max at 75%,
    # the level the req/s interval states already.
    assert rows["app CPU ms/req"] == ("0.880 (0.800–0.960)", "0.220 (0.200–0.240)")
    assert rows["req/CPU-s"] == ("1,136", "4,545")
    assert rows["MiB peak/end"] == ("121/98", "121/98")
    assert rows["MiB/worker"] == ("40 ×2", "41 ×2")


def test_a_summary_from_before_the_cost_shows_dashes() -> None:
    old = SummaryCell("flask", "hello", 64, 3, 0, (1000.0,) * 3, rps_median=1000.0)
    assert cost_column(old) == ("–",) * len(COST_LABELS)
    assert efficiency_rankings(Summary(apps=("flask",), cells=(old,))) == []


def test_the_efficiency_ranking_puts_the_most_requests_per_cpu_second_first() -> None:
    (ranking,) = efficiency_rankings(summary(APPS))
    assert ranking.title == "hello @200 connections, by efficiency"
    assert [row[1] for row in ranking.rows] == ["aio", "fastapi", "flask", "django"]
    by_app = {row[1]: row for row in ranking.rows}
    assert ranking.labels[3] == "CI 75%"
    assert by_app["aio"][2:5] == ("4,545", "4,167–5,000", "1.00×")
    assert by_app["django"][4] == "0.20×"
    assert by_app["django"][5:] == ("121/98", "43 ×2")


def test_a_cell_without_figures_ranks_last_with_dashes() -> None:
    measured = summary(["flask"])
    unmeasured = SummaryCell("aio", "hello", 200, 3, 0, (1000.0,) * 3, rps_median=1000.0)
    both = Summary(apps=("flask", "aio"), cells=(*measured.cells, unmeasured))
    (ranking,) = efficiency_rankings(both)
    assert [row[1] for row in ranking.rows] == ["flask", "aio"]
    assert ranking.rows[1][2:] == ("–",) * 5


def test_the_terminal_prints_the_efficiency_ranking_after_the_speed_one() -> None:
    console = Console(record=True, width=80)
    render_summary(summary(APPS), console)
    text = console.export_text()
    speed = text.index("hello @200 connections")
    efficiency = text.index("hello @200 connections, by efficiency")
    assert speed < efficiency < text.index("req/CPU-s: ok responses per second")
    # Eight columns fit 80 characters, as the speed ranking's do.
    assert max(len(line) for line in text.splitlines() if "│" not in line) <= 80


def test_the_markdown_report_has_the_efficiency_ranking() -> None:
    found = efficiency_rankings(summary(APPS))
    content = ReportContent(
        title="t", subtitle="s", headline=(), findings=(), notes=(), apps=tuple(APPS),
        blocks=(), failed=(), sections=(), images=(), sources="here",
        rankings=tuple(rankings(summary(APPS))), ranking_legend="speed",
        efficiency=tuple(found), efficiency_legend=EFFICIENCY_LEGEND,
    )  # fmt: skip
    text = render_markdown(content)
    assert "### hello @200 connections, by efficiency" in text
    assert "| 1 | aio | 4,545 | 4,167–5,000 | 1.00× | 121/98 | 41 ×2 |" in text
    assert EFFICIENCY_LEGEND in text
