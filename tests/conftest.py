"""Marks every test under tests/integration as `integration` (it needs a real engine)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# testcontainers reads this when it is imported; its reaper image cannot be pulled
# here, and the tests clean up by label themselves.
os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")

INTEGRATION = Path(__file__).parent / "integration"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if INTEGRATION in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.integration)
