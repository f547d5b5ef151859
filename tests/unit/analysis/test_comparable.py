from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lab.analysis.comparable import cell_facts, conflicts, differences, image_of, run_facts
from lab.analysis.runs import load_run
from lab.results.comparisondoc import Difference
from lab.results.reader import RunData
from lab.results.rundoc import RunDocument
from tests.unit.runs import FIXTURE

BASE_RUN: dict[str, Any] = json.loads((FIXTURE / "run.json").read_text())


def _with(**changes: Any) -> RunData:
    fixture = load_run(FIXTURE)
    run = RunDocument.from_dict({**BASE_RUN, **changes})
    return RunData(Path("run"), run, fixture.records, fixture.summary)


def test_the_facts_of_the_golden_run_name_each_image_by_id_and_tag() -> None:
    facts = run_facts(load_run(FIXTURE))
    assert facts["image aio tag"] == "lab/aio:e4e598f3e3c6947f"
    assert facts["image aio ID"].startswith("sha256:c562869ee51a")
    assert facts["host CPU model"] == "AMD EPYC"
    assert "parameter out" not in facts


def test_a_cell_is_comparable_on_its_apparatus_not_on_the_apps_images() -> None:
    facts = cell_facts(load_run(FIXTURE), "flask")
    assert facts["image wrk tag"] == "lab/wrk:19ee8cb178f60b6d"
    assert facts["image redis tag"] == "lab/redis:e64478f91bea7868"
    assert facts["base image ID"] is not None
    assert not any(key.startswith(("image aio", "image flask", "app ")) for key in facts)
    assert facts["parameter duration_s"] == 8.0
    assert "parameter seed" not in facts and "engine version" not in facts


def test_a_variant_is_compared_on_the_image_it_ran_from() -> None:
    effective = {**BASE_RUN["effective"], "apps": {"flask-granian": {"image": "flask"}}}
    run = _with(effective=effective)
    assert image_of(run, "flask-granian") == "flask"
    # A run written before the lab recorded each app's image: the app's own name.
    assert image_of(load_run(FIXTURE), "flask") == "flask"


def test_the_server_command_of_each_app_is_a_fact() -> None:
    effective = {**BASE_RUN["effective"], "apps": {"aio": {"image": "aio", "command": ["x"]}}}
    assert run_facts(_with(effective=effective))["app aio command"] == ["x"]


def test_differences_keep_the_order_the_facts_were_gathered_in() -> None:
    listed = differences({"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 5, "d": 4})
    assert [d.what for d in listed] == ["b", "c", "d"]
    assert differences({"a": 1, "b": 2}, {"a": 3, "b": 4}, keys=["b"]) == [Difference("b", 2, 4)]


def test_a_fact_only_one_side_recorded_is_no_conflict() -> None:
    known = {"host CPU model": "AMD EPYC", "parameter network_path": None, "host CPUs": 2}
    facts = {"host CPU model": "Intel Xeon", "parameter network_path": "bridge"}
    assert conflicts(known, facts) == [Difference("host CPU model", "AMD EPYC", "Intel Xeon")]
