"""The one effect of the report layer: report.md and report.html written into the run folder."""

from __future__ import annotations

from pathlib import Path

from lab.analysis.runs import load_run
from lab.errors import UsageError
from lab.report.content import build_content
from lab.report.html import render_html
from lab.report.markdown import render_markdown
from lab.results.store import write_text_atomic


def write_reports(run_dir: Path) -> tuple[Path, Path]:
    """Write report.md and report.html into `run_dir`; returns their paths in that order."""
    data = load_run(run_dir)
    content = build_content(data)
    markdown, html = run_dir / "report.md", run_dir / "report.html"
    for path, text in ((markdown, render_markdown(content)), (html, render_html(content, data))):
        try:
            write_text_atomic(path, text)
        except OSError as exc:
            raise UsageError(
                f"{path}: cannot be written: {exc.strerror or exc}",
                "make the run folder writable, or copy it somewhere writable",
            ) from exc
    return markdown, html
