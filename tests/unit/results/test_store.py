from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from lab.errors import ResultsUnwritable, UsageError
from lab.results.store import RunStore, trial_path, write_json_atomic


def test_atomic_write_leaves_only_the_final_file(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "run.json"
    write_json_atomic(target, {"a": 1})
    write_json_atomic(target, {"a": 2})
    assert json.loads(target.read_text()) == {"a": 2}
    assert [p.name for p in target.parent.iterdir()] == ["run.json"]


def test_a_failed_write_keeps_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "run.json"
    write_json_atomic(target, {"a": 1})
    with pytest.raises(TypeError):
        write_json_atomic(target, {"a": object()})
    assert json.loads(target.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]


def test_trial_files_sort_in_trial_order(tmp_path: Path) -> None:
    names = [trial_path(tmp_path, n).name for n in (1, 2, 10, 100)]
    assert names == sorted(names) == ["0001.json", "0002.json", "0010.json", "0100.json"]


def test_an_unwritable_out_folder_names_the_flag(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(UsageError) as info:
        RunStore.create(blocker, "run-1")
    assert "--out" in info.value.message and str(blocker) in info.value.message


def test_a_run_folder_is_never_reused(tmp_path: Path) -> None:
    RunStore.create(tmp_path, "run-1")
    with pytest.raises(UsageError):
        RunStore.create(tmp_path, "run-1")


def test_a_full_disk_is_results_unwritable_naming_the_file_and_the_old_file_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "trials" / "0001.json"
    write_json_atomic(target, {"a": 1})

    def full(*_: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("lab.results.store.os.fsync", full)
    with pytest.raises(ResultsUnwritable) as info:
        write_json_atomic(target, {"a": 2})
    assert info.value.message == f"cannot write {target}: No space left on device"
    assert info.value.hint == "free space on that disk"
    assert json.loads(target.read_text()) == {"a": 1}
    assert [p.name for p in target.parent.iterdir()] == ["0001.json"]


def test_a_read_only_folder_is_results_unwritable_saying_to_make_it_writable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def read_only(*_: object, **__: object) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr("lab.results.store.tempfile.mkstemp", read_only)
    with pytest.raises(ResultsUnwritable, match="Read-only file system") as info:
        write_json_atomic(tmp_path / "run.json", {})
    assert info.value.hint == "make that folder writable"
