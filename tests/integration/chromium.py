"""Headless Chromium on a local page, offline: what the browser tests render with.

No engine is needed, only /usr/bin/chromium (`make test` installs it with
scripts/ensure-test-tools.sh). Without it a browser test fails rather than skips: then
nobody has seen the page render.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
TIMEOUT_S = 60


def chromium(page: Path, profile: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    """Chromium run headless on `page` with `flags` (--dump-dom, --screenshot=...)."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: `make test` installs it (scripts/ensure-test-tools.sh);"
            " or run `bash scripts/ensure-test-tools.sh` as root on Debian/Ubuntu"
        )
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *flags,
        page.as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
