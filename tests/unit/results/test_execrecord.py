"""ExecRecord: one type for every generator's command and raw output, in either key order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab.results.execrecord import WRK_ORDER, ExecRecord
from lab.results.reader import read_trials

RUN = Path(__file__).resolve().parents[2] / "fixtures" / "runs" / "default-2cores"
RECORD = ExecRecord(("wrk", "-t1", "http://app:8000/"), None, '{"schema": "x"}\n', "killed")


def test_a_record_reads_back_whatever_order_it_was_written_in() -> None:
    assert list(RECORD.to_dict()) == ["command", "exit_code", "stdout", "stderr"]
    assert list(RECORD.to_dict(WRK_ORDER)) == ["command", "stdout", "stderr", "exit_code"]
    for order in (WRK_ORDER, ("command", "exit_code", "stdout", "stderr")):
        assert ExecRecord.from_dict(RECORD.to_dict(order), "wrk") == RECORD


def test_a_trial_file_keeps_wrks_record_in_its_own_order() -> None:
    written = json.loads((RUN / "trials" / "0001.json").read_text())["wrk"]
    (record,) = [r for r in read_trials(RUN) if r.index == 1]
    # json keeps the file's key order, so the two texts are equal only in the same order.
    assert json.dumps(record.to_dict()["wrk"]) == json.dumps(written)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"command": ["wrk", 3]}, "key 'points\\[0\\].generator.command' holds something"),
        ({"exit_code": "0"}, "key 'points\\[0\\].generator.exit_code' has the wrong type"),
        ({"stdout": None}, "key 'points\\[0\\].generator.stdout' has the wrong type"),
    ],
)
def test_a_bad_record_names_its_key_by_where_it_is(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ExecRecord.from_dict({**RECORD.to_dict(), **change}, "points[0].generator")


def test_a_missing_exit_code_is_refused_and_null_is_a_kill() -> None:
    data = RECORD.to_dict()
    del data["exit_code"]
    with pytest.raises(ValueError, match=r"missing key 'wrk\.exit_code'"):
        ExecRecord.from_dict(data, "wrk")
    assert ExecRecord.from_dict({**data, "exit_code": None}, "wrk").exit_code is None
