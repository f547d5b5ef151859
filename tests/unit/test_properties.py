"""Random input for the parsers and validators: they refuse it cleanly, never crash."""

from __future__ import annotations

import argparse
import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lab.cli.options import add_run_options, config_from_args
from lab.errors import UsageError
from lab.measure.wrkjson import WrkOutputError, parse_wrk_output
from lab.model.config import config_from_dict
from lab.model.cpurequest import parse_cpus
from lab.results.reader import read_trials
from lab.results.records import TrialRecord

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=6)
    ),
    max_leaves=30,
)
VALID_WRK = (
    '{"schema":"lab.wrk/1","duration_us":2000000,"requests":100,"bytes":1000,'
    '"errors":{"connect":0,"read":0,"write":0,"status":0,"timeout":0},'
    '"latency_us":{"min":1,"mean":2.5,"stdev":1.0,"max":9,"p50":2,"p75":3,"p90":4,'
    '"p99":8,"p99_9":9}}'
)


@given(st.text(max_size=400))
def test_wrk_parser_refuses_any_text_with_its_own_error(text: str) -> None:
    with contextlib.suppress(WrkOutputError):
        parse_wrk_output(text)


@given(st.integers(min_value=0, max_value=len(VALID_WRK) - 1))
def test_a_truncated_wrk_line_is_refused(cut: int) -> None:
    with pytest.raises(WrkOutputError):
        parse_wrk_output("Running 2s test\n" + VALID_WRK[:cut])


@given(st.dictionaries(st.text(max_size=12), JSON, max_size=8))
def test_wrk_parser_refuses_any_json_object(data: dict[str, Any]) -> None:
    with contextlib.suppress(WrkOutputError):
        parse_wrk_output(json.dumps(data))


@given(JSON)
def test_trial_records_refuse_any_json_with_a_value_error(data: Any) -> None:
    with contextlib.suppress(ValueError, TypeError):
        TrialRecord.from_dict(data)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=50)
@given(JSON)
def test_a_damaged_trial_file_is_named_by_the_reader(tmp_path: Path, data: Any) -> None:
    (tmp_path / "trials").mkdir(exist_ok=True)
    (tmp_path / "trials" / "0001.json").write_text(json.dumps(data))
    try:
        read_trials(tmp_path)
    except UsageError as exc:
        assert "0001.json" in exc.message


@given(st.text(max_size=60))
def test_cpus_flag_refuses_with_a_usage_error(text: str) -> None:
    try:
        parse_cpus(text)
    except UsageError as exc:
        assert "--cpus" in exc.message


FLAGS = [
    "--preset",
    "--apps",
    "--scenarios",
    "--connections",
    "--threads",
    "--duration",
    "--warmup",
    "--repetitions",
    "--cpus",
    "--workers",
    "--seed",
    "--out",
    "--timeout",
    "--ready-timeout",
    "--app-env",
    "--network-path",
    "--aa",
]


@given(st.lists(st.tuples(st.sampled_from(FLAGS), st.text(max_size=12)), max_size=4))
def test_option_values_are_refused_with_a_usage_error(pairs: list[tuple[str, str]]) -> None:
    parser = argparse.ArgumentParser()
    add_run_options(parser)
    argv = [f"{flag}={value}" for flag, value in pairs]
    try:
        namespace = parser.parse_args(argv)
    except SystemExit:
        return  # argparse's own refusal of a syntax error (exit 2)
    with contextlib.suppress(UsageError):
        config_from_args(namespace)


PARAMETERS = ["apps", "cpus", "duration_s", "aa", "app_env", "connections", "network_path"]


@given(
    st.sampled_from(["default", "quick", "nope"]),
    st.dictionaries(st.sampled_from(PARAMETERS), JSON | st.dictionaries(st.text(max_size=5), JSON)),
)
def test_recorded_parameters_are_refused_with_a_usage_error(
    preset: str, data: dict[str, Any]
) -> None:
    with contextlib.suppress(UsageError):
        config_from_dict({"preset": preset, **data})
