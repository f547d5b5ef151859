"""A run's report: what it found (headline, results, findings) and how it was made.

`build_content` turns a loaded run into a `ReportContent` of plain strings, which
`markdown` and `html` lay out; so both files always say the same thing. They lead with
the headline and the results; the findings, the charts and the provenance follow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lab.model.deployment import deployment_of
from lab.report.driftrows import drift_lines
from lab.report.efficiency import EFFICIENCY_LEGEND, efficiency_rankings
from lab.report.findings import findings
from lab.report.headline import headline
from lab.report.hostrows import host_lines
from lab.report.opencontent import OpenContent, open_content
from lab.report.provenance import Rows, Section, images, sections, when
from lab.report.ranking import Ranking, legend, ranked, rankings
from lab.report.rows import ROW_LABELS
from lab.report.rows import blocks as table_blocks
from lab.results.reader import RunData
from lab.results.summarydoc import Ratio, Summary
from lab.text import DASH, TIMES, format_level, format_ratio, format_ratio_interval


@dataclass(frozen=True, slots=True)
class ResultBlock:
    """One scenario x connections level: a row per label, a value per app."""

    title: str
    labels: tuple[str, ...]
    rows: Rows


@dataclass(frozen=True, slots=True)
class ReportContent:
    title: str
    subtitle: str
    headline: tuple[str, ...]
    findings: tuple[tuple[str, str], ...]  # (severity, text), one per kind, worst first
    notes: tuple[str, ...]
    apps: tuple[str, ...]
    blocks: tuple[ResultBlock, ...]
    failed: Rows
    sections: tuple[Section, ...]
    images: Rows
    sources: str
    open: OpenContent | None = None  # open mode's results; None for a closed-loop run
    # With more apps than columns fit: a ranking per block, shown instead of `blocks`.
    rankings: tuple[Ranking, ...] = ()
    ranking_legend: str = ""
    # With rankings: a second one per block, by ok responses per app CPU second.
    efficiency: tuple[Ranking, ...] = ()
    efficiency_legend: str = ""
    drift: tuple[str, ...] = ()  # every cell round by round, and the host's speed
    # Each of `apps`' deployment ("Flask · WSGI · gunicorn gevent"), "" when unknown.
    deployments: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()  # a merged run's hosts and their agreement


FAILED_COLUMNS = ("trial", "app", "scenario", "connections", "repetition", "reason")


def build_content(data: RunData) -> ReportContent:
    summary, apps, deployments = data.summary, data.apps, data.run.deployments
    created = when(data.run.created_at)
    trials = f"{data.ok} of {data.planned} trials ok"
    return ReportContent(
        title=" vs ".join(apps) if apps else "no apps",
        subtitle=" \N{MIDDLE DOT} ".join((f"run {data.run_id}", created, data.status, trials)),
        headline=tuple(headline(summary)),
        findings=tuple(findings(data)),
        notes=tuple(data.notes),
        apps=tuple(apps),
        blocks=tuple(_result_blocks(summary, apps)),
        rankings=tuple(rankings(summary, deployments)) if ranked(summary) else (),
        ranking_legend=legend(summary) if ranked(summary) else "",
        efficiency=tuple(efficiency_rankings(summary, deployments)) if ranked(summary) else (),
        efficiency_legend=EFFICIENCY_LEGEND if ranked(summary) else "",
        failed=tuple(
            (str(r.index), r.app, r.scenario, str(r.connections), str(r.repetition), r.reason or "")
            for r in data.failed_records
        ),
        sections=sections(data),
        images=images(data.provenance),
        sources=f"run.json, {'recomputed' if data.summary_recomputed else 'summary.json'}"
        f" and {len(data.records)} trial files"
        + (f" and {len(data.sweeps)} open-loop sweeps" if data.sweeps else "")
        + f" in {data.path.name}/",
        open=open_content(data),
        drift=tuple(drift_lines(summary, data.records)),
        deployments=tuple(deployment_of(deployments, app) for app in apps) if deployments else (),
        hosts=tuple(host_lines(summary)),
    )


def _result_blocks(summary: Summary, apps: Sequence[str]) -> list[ResultBlock]:
    ratios = {(r.scenario, r.connections, r.numerator): r for r in summary.ratios}
    baseline = apps[0] if apps else ""
    blocks = []
    for block in table_blocks(summary, apps):
        key = (block.scenario, block.connections)
        ratio_row = tuple(
            "baseline" if app == baseline else _ratio_text(ratios.get((*key, app))) for app in apps
        )
        blocks.append(
            ResultBlock(
                title=block.title,
                labels=(*ROW_LABELS, f"vs {baseline}"),
                rows=(*block.rows, ratio_row),
            )
        )
    return blocks


def _ratio_text(entry: Ratio | None) -> str:
    if entry is None or entry.ratio is None:
        return DASH
    text = f"{format_ratio(entry.ratio)}{TIMES}"
    if entry.ci is None:
        return text
    interval = format_ratio_interval(entry.ci.pair, entry.ratio)
    return f"{text} ({format_level(entry.ci.level)}: {interval})"
