"""Open sweep files: a point's readings written and read back, schema 1 files still read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab.results.execrecord import ExecRecord
from lab.results.openrecords import OpenSweep, measured_point
from lab.results.schema import OPEN_SWEEP_SCHEMA_VERSION
from tests.unit.engine.fakes import openload_line
from tests.unit.fixtures import cpu, evidence

GOLDEN = Path(__file__).resolve().parents[2] / "fixtures" / "golden"
RUN = ExecRecord(("openload", "-R", "250.000"), 0, openload_line(250.0), "")


def test_a_points_readings_are_written_and_read_back() -> None:
    point = measured_point(
        1,
        "25%",
        250.0,
        RUN,
        "2026-11-25T02:00:16.000+00:00",
        "2026-11-25T02:00:17.000+00:00",
        stalls=[(0.5, 0.502)],
        stall_error="APIError: 409 Client Error: container is not running",
        host=evidence([(1, ["app"], {"foreign": 0.3})]),
        cpu={"app": cpu(0.5), "wrk": None, "redis": cpu(0.1)},
    )
    sweep = OpenSweep(1, "aio", "hello", 1, 64, 1, "complete", points=(point,))
    data = json.loads(json.dumps(sweep.to_dict()))
    assert data["schema_version"] == OPEN_SWEEP_SCHEMA_VERSION == 2
    written = data["points"][0]
    assert list(written)[-5:] == ["stalls", "stall_error", "host", "cpu", "generator"]
    assert written["cpu"]["wrk"] is None
    assert OpenSweep.from_dict(data) == sweep


def test_a_host_that_could_not_be_read_is_a_reason() -> None:
    point = measured_point(1, "25%", 250.0, RUN, "a", "b", host_unavailable="remote engine")
    assert point.to_dict()["host"] == {"unavailable": "remote engine"}
    sweep = OpenSweep(1, "aio", "hello", 1, 64, 1, "complete", points=(point,))
    assert OpenSweep.from_dict(sweep.to_dict()).points[0].host_unavailable == "remote engine"


def test_a_schema_1_sweep_reads_without_readings_and_stays_schema_1() -> None:
    sweep = OpenSweep.from_dict(json.loads((GOLDEN / "open-sweep-v1.json").read_text()))
    assert sweep.schema_version == 1
    assert all(p.host is None and p.cpu is None and p.stall_error is None for p in sweep.points)
    assert sweep.to_dict()["schema_version"] == 1


def test_an_unknown_schema_is_refused() -> None:
    data = json.loads((GOLDEN / "open-sweep-v1.json").read_text())
    with pytest.raises(ValueError, match="schema_version 3, this lab reads 1, 2"):
        OpenSweep.from_dict({**data, "schema_version": 3})
