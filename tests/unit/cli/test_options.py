from __future__ import annotations

import argparse

import pytest

from lab.cli.options import add_run_options, config_from_args, given_settings
from lab.errors import UsageError
from lab.model.config import RunConfig, build_config
from lab.model.cpurequest import CpuRequest
from lab.model.fields import FIELDS


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lab run")
    add_run_options(parser)
    return parser


def config_for(*argv: str) -> RunConfig:
    return config_from_args(make_parser().parse_args(list(argv)))


def test_every_option_defaults_to_none() -> None:
    ns = make_parser().parse_args([])
    assert all(value is None for value in vars(ns).values()), vars(ns)


def test_no_flags_is_the_default_preset() -> None:
    assert config_for() == build_config("default", {})


def test_a_preset_alone() -> None:
    assert config_for("--preset", "seed") == build_config("seed", {})


def test_every_flag_overrides_the_preset() -> None:
    config = config_for(
        "--preset=seed",
        "--apps=aio,aio-uvloop",
        "--scenarios=hit",
        "--connections=64,128",
        "--threads=2",
        "--duration=3",
        "--warmup=0",
        "--repetitions=2",
        "--cpus=app=0.5,redis=2",
        "--workers=3",
        "--no-access-log",
        "--seed=9",
        "--out=/tmp/out",
        "--timeout=2",
    )
    assert config.preset == "seed"
    assert config.apps == ("aio", "aio-uvloop")
    assert config.scenarios == ("hit",)
    assert config.connections == (64, 128)
    assert config.threads == 2
    assert config.duration_s == 3.0
    assert config.warmup_s == 0.0
    assert config.repetitions == 2
    assert config.cpus == CpuRequest(app=0.5, wrk=1.0, redis=2.0)
    assert config.workers == 3
    assert config.access_log is False
    assert config.seed == 9
    assert config.out == "/tmp/out"
    assert config.timeout_s == 2.0


def test_unflagged_values_keep_the_preset() -> None:
    config = config_for("--preset", "seed", "--duration", "4")
    assert config.duration_s == 4.0
    assert config.threads == 8
    assert config.workers == 4
    assert config.access_log is True


def test_access_log_switches_on() -> None:
    assert config_for("--access-log").access_log is True
    assert config_for("--preset", "seed").access_log is True


def test_auto_threads_and_workers() -> None:
    config = config_for("--preset", "seed", "--threads", "auto", "--workers", "auto")
    assert config.threads is None
    assert config.workers is None


@pytest.mark.parametrize(
    ("argv", "parts"),
    [
        (["--preset", "fast"], ["--preset", "'fast'"]),
        (["--apps", "tornado"], ["--apps", "'tornado'"]),
        (["--apps", "flask,,aio"], ["--apps", "empty item"]),
        (["--scenarios", "slow"], ["--scenarios", "'slow'"]),
        (["--connections", "lots"], ["--connections", "'lots'"]),
        (["--connections", "0"], ["--connections", "0"]),
        (["--threads", "many"], ["--threads", "'many'"]),
        (["--threads", "0"], ["--threads", "0"]),
        (["--duration", "long"], ["--duration", "'long'"]),
        (["--duration", "0"], ["--duration", "0"]),
        (["--warmup", "-1"], ["--warmup", "-1"]),
        (["--repetitions", "0"], ["--repetitions", "0"]),
        (["--cpus", "ap=1"], ["--cpus", "'ap=1'", "unknown key 'ap'"]),
        (["--workers", "0"], ["--workers", "0"]),
        (["--seed", "-3"], ["--seed", "-3"]),
        (["--timeout", "0"], ["--timeout", "0"]),
        (["--out", ""], ["--out", "''"]),
    ],
)
def test_bad_values_are_our_usage_errors(argv: list[str], parts: list[str]) -> None:
    ns = make_parser().parse_args(argv)  # argparse itself accepts any text
    with pytest.raises(UsageError) as excinfo:
        config_from_args(ns)
    for part in parts:
        assert part in excinfo.value.message
    assert excinfo.value.hint


def test_each_flag_of_the_field_table_sets_its_own_field() -> None:
    options = [field for field in FIELDS if field.is_option]
    assert "app_folders" not in {field.name for field in options}  # --apps names them
    for field in options:
        argv = [field.flag] if field.form == "switch" else [field.flag, "x"]
        assert list(given_settings(make_parser().parse_args(argv))) == [field.name]


def test_help_shows_the_default_presets_values() -> None:
    text = " ".join(make_parser().format_help().split())
    assert "(default preset: flask,aio)" in text
    assert "(default preset: hello,hit)" in text
    assert "(default preset: 200)" in text
    assert "(default preset: 8)" in text
    assert "(default preset: app=1,wrk=1,redis=1)" in text
    assert "(default preset: results)" in text
    assert "--no-access-log" in text
    assert "{default,quick,seed,precise}" in text
