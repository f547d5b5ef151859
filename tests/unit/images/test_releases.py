"""The releases a --find-links folder holds, read from its file names."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.errors import BuildFailed
from lab.images.releases import releases


def test_a_folder_lists_each_version_of_the_package_once(tmp_path: Path) -> None:
    for name in (
        "lab_probe-1.0-py3-none-any.whl",
        "lab_probe-1.1-1-cp311-cp311-manylinux_2_17_x86_64.whl",  # a build tag
        "lab_probe-1.1-py3-none-any.whl",
        "lab-probe-1.2.tar.gz",
        "other-9.0-py3-none-any.whl",
        "README.txt",
    ):
        (tmp_path / name).write_bytes(b"")
    assert sorted(releases("Lab.Probe", tmp_path)) == ["1.0", "1.1", "1.2"]


def test_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(BuildFailed, match=r"--find-links .*: not a folder"):
        releases("x", tmp_path / "none")
