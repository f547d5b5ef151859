from __future__ import annotations

import subprocess
import sys

import pytest

from lab.measure.calibrate import WORKLOAD, calibration_record, parse_score
from lab.model.placement import CpuSlot


def test_the_workload_runs_and_prints_its_score() -> None:
    done = subprocess.run(
        [sys.executable, "-c", WORKLOAD.replace("< 2", "< 0.05")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert parse_score(done.stdout) > 0


@pytest.mark.parametrize("text", ['{"rounds_per_s": 0}', '{"rounds_per_s": "x"}', "garbage"])
def test_a_bad_score_is_refused(text: str) -> None:
    with pytest.raises((ValueError, KeyError)):
        parse_score(text)


def test_the_record_takes_the_median_and_says_where_it_ran() -> None:
    record = calibration_record([300.0, 100.0, 200.0], "lab/aio:x", CpuSlot("app", "1", (1,), None))
    assert record["score"] == 200.0
    assert record["samples"] == [300.0, 100.0, 200.0]
    assert (record["cpuset"], record["cpus"], record["unit"]) == ("1", 1.0, "rounds/s")
    assert len(record["workload_sha256"]) == 64
