"""`lab bisect`'s refusals through the real command: one line, exit 2, before any gate."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.cli.test_main import lab


@pytest.fixture
def index(tmp_path: Path) -> Path:
    for version in ("1.0", "1.1", "1.2"):
        (tmp_path / f"probe-{version}-py3-none-any.whl").write_bytes(b"")
    return tmp_path


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--good", "1.2", "--bad", "1.0"], "--good 1.2 is not older than --bad 1.0"),
        (["--good", "1.0", "--bad", "2.0"], "--bad 2.0: no such release"),
        (["--good", "1.0", "--bad", "1.2", "--threshold", "-3"], "--threshold: '-3'"),
    ],
)
def test_a_search_that_cannot_start_is_one_line_with_exit_2(
    index: Path, args: list[str], named: str
) -> None:
    done = lab("bisect", "--app", "aio", "--package", "probe", "--find-links", str(index), *args)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lab: error:") and named in lines[0]
