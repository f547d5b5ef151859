from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from lab.errors import UsageError
from lab.model.config import PRESETS, RunConfig, build_config, config_from_dict
from lab.model.cpurequest import CpuRequest
from lab.model.fields import FLAGS
from tests.unit.derived import derived_aio, version_of
from tests.unit.fixtures import usage_error

# --- presets ---


def test_default_preset_values() -> None:
    config = build_config("default", {})
    assert config.preset == "default"
    assert config.apps == ("flask", "aio")
    assert config.scenarios == ("hello", "hit")
    assert config.connections == (200,)
    # 8 rounds of 5 s: the precision-per-minute measurement's choice (README).
    assert config.duration_s == 5.0
    assert config.warmup_s == 1.0
    assert config.repetitions == 8
    assert config.order == "blocked"
    assert config.threads is None
    assert config.workers is None
    assert config.cpus == CpuRequest(app=1.0, wrk=1.0, redis=1.0)
    assert config.access_log is False
    assert config.timeout_s == 5.0
    assert config.out == "results"


def test_quick_preset_values() -> None:
    config = build_config("quick", {})
    assert config.apps == ("flask", "aio")
    assert config.scenarios == ("hello", "hit")
    assert config.connections == (64,)
    assert config.duration_s == 2.0
    assert config.warmup_s == 1.0
    assert config.repetitions == 1


def test_seed_preset_is_the_articles_parameters() -> None:
    config = build_config("seed", {})
    assert config.apps == ("flask", "aio")
    assert config.scenarios == ("hello", "hit")
    assert config.connections == (200,)
    assert config.threads == 8
    assert config.duration_s == 10.0
    assert config.warmup_s == 2.0
    assert config.repetitions == 3
    assert config.workers == 4
    assert config.access_log is True


def test_every_preset_builds_and_names_every_setting() -> None:
    settings = {field.name for field in dataclasses.fields(RunConfig)} - {"preset"}
    for name, values in PRESETS.items():
        assert set(values) == settings
        assert build_config(name, {}).preset == name


def test_presets_cannot_be_changed() -> None:
    with pytest.raises(TypeError):
        PRESETS["default"]["repetitions"] = 1  # type: ignore[index]


# --- build_config ---


def test_overrides_replace_only_what_was_given() -> None:
    config = build_config("seed", {"repetitions": 2, "apps": ("aio-uvloop",)})
    assert config.repetitions == 2
    assert config.apps == ("aio-uvloop",)
    assert config.workers == 4  # from the preset
    assert config.threads == 8


def test_overrides_may_reset_threads_and_workers_to_auto() -> None:
    config = build_config("seed", {"threads": None, "workers": "auto"})
    assert config.threads is None
    assert config.workers is None


def test_overrides_may_still_be_text() -> None:
    config = build_config(
        "default",
        {"connections": "64,200", "duration_s": "3", "cpus": "app=0.5", "access_log": "on"},
    )
    assert config.connections == (64, 200)
    assert config.duration_s == 3.0
    assert config.cpus.app == 0.5
    assert config.access_log is True


def test_unknown_preset() -> None:
    with pytest.raises(UsageError) as excinfo:
        build_config("fast", {})
    usage_error(excinfo, "--preset", "'fast'", "default", "quick", "seed")


def test_unknown_setting() -> None:
    with pytest.raises(UsageError) as excinfo:
        build_config("default", {"duration": 3})
    usage_error(excinfo, "'duration'")


@pytest.mark.parametrize(
    ("overrides", "parts"),
    [
        ({"apps": ("tornado",)}, ["--apps", "'tornado'", "flask", "aio", "aio-uvloop"]),
        ({"apps": ()}, ["--apps", "empty"]),
        ({"apps": ("flask", "aio", "flask")}, ["--apps", "'flask'", "twice"]),
        ({"scenarios": ("slow",)}, ["--scenarios", "'slow'", "hello", "hit"]),
        ({"scenarios": ()}, ["--scenarios", "empty"]),
        ({"scenarios": ("hit", "hit")}, ["--scenarios", "'hit'", "twice"]),
        ({"connections": ()}, ["--connections", "empty"]),
        ({"connections": (0,)}, ["--connections", "0"]),
        ({"connections": (64, -5)}, ["--connections", "-5"]),
        ({"connections": (64, 64)}, ["--connections", "64", "twice"]),
        ({"duration_s": 0.0}, ["--duration", "0"]),
        ({"duration_s": -1.0}, ["--duration", "-1"]),
        ({"warmup_s": -0.5}, ["--warmup", "-0.5"]),
        ({"repetitions": 0}, ["--repetitions", "0"]),
        ({"threads": 0}, ["--threads", "0"]),
        ({"workers": 0}, ["--workers", "0"]),
        ({"timeout_s": 0.0}, ["--timeout", "0"]),
        ({"seed": -1}, ["--seed", "-1"]),
        ({"out": ""}, ["--out", "''"]),
        ({"repetitions": True}, ["--repetitions", "True"]),
        ({"duration_s": float("inf")}, ["--duration", "inf"]),
        ({"access_log": "maybe"}, ["--access-log", "'maybe'"]),
        ({"cpus": CpuRequest(app=0.0)}, ["--cpus", "app=0"]),
        ({"cpus": 2}, ["--cpus", "2"]),
    ],
)
def test_build_config_rejects(overrides: dict[str, object], parts: list[str]) -> None:
    with pytest.raises(UsageError) as excinfo:
        build_config("default", overrides)
    usage_error(excinfo, *parts)


def test_zero_warmup_and_seed_are_allowed() -> None:
    config = build_config("default", {"warmup_s": 0.0, "seed": 0})
    assert (config.warmup_s, config.seed) == (0.0, 0)


def test_config_is_frozen() -> None:
    config = build_config("default", {})
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.repetitions = 1  # type: ignore[misc]


def test_to_dict_is_json_and_has_every_parameter() -> None:
    config = build_config("seed", {"cpus": CpuRequest(app=0.5)})
    data = config.to_dict()
    assert set(data) == {field.name for field in dataclasses.fields(RunConfig)}
    assert json.loads(json.dumps(data)) == data
    assert data["cpus"] == {"app": 0.5, "wrk": 1.0, "redis": 1.0}
    assert data["apps"] == ["flask", "aio"]
    assert data["threads"] == 8
    assert data["preset"] == "seed"


@pytest.mark.parametrize(
    ("field", "flag"),
    [("duration_s", "--duration"), ("warmup_s", "--warmup"), ("timeout_s", "--timeout")],
)
def test_fractional_seconds_are_refused_since_wrk_runs_whole_seconds(field: str, flag: str) -> None:
    with pytest.raises(UsageError) as info:
        build_config("default", {field: 2.5})
    assert flag in info.value.message and "2.5" in info.value.message
    assert "whole number" in info.value.hint


def test_run_config_and_run_json_keep_the_field_tables_order() -> None:
    assert [field.name for field in dataclasses.fields(RunConfig)] == ["preset", *FLAGS]
    assert list(build_config("quick", {}).to_dict()) == ["preset", *FLAGS]


def test_config_round_trips_through_its_dict() -> None:
    config = build_config(
        "quick",
        {
            "cpus": CpuRequest(app=0.5),
            "app_env": (("REDIS_MAX_CONNECTIONS", "128"),),
            "network_path": "shared",
            "connections": (32, 64),
        },
    )
    assert config_from_dict(json.loads(json.dumps(config.to_dict()))) == config


def test_aa_runs_one_app_as_two_variants() -> None:
    config = build_config("quick", {"aa": "aio"})
    assert config.apps == ("aio:a", "aio:b")
    assert config_from_dict(config.to_dict()) == config


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"aa": "tornado"}, "--aa"),
        ({"network_path": "tunnel"}, "--network-path"),
        ({"app_env": ("lower=1",)}, "--app-env"),
        ({"app_env": ("WORKERS=4",)}, "WORKERS"),
        ({"app_env": ("A=1", "A=2")}, "A given more than once"),
        ({"ready_timeout_s": 0}, "--ready-timeout"),
    ],
)
def test_new_settings_are_validated(overrides: dict[str, object], named: str) -> None:
    with pytest.raises(UsageError) as info:
        build_config("default", overrides)
    assert named in info.value.message


# --- --target-ci ---


def test_target_ci_takes_a_percentage_and_bounds() -> None:
    config = build_config("quick", {"target_ci_pct": "10%", "max_time_s": "6m"})
    assert (config.target_ci_pct, config.max_repetitions, config.max_time_s) == (10.0, 30, 360.0)
    config = build_config("default", {"target_ci_pct": "5", "max_repetitions": "12"})
    assert (config.target_ci_pct, config.max_repetitions, config.max_time_s) == (5.0, 12, None)
    assert build_config("default", {}).target_ci_pct is None


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90.0), ("90s", 90.0), ("6m", 360.0), ("1h30m", 5400.0), ("6m30s", 390.0)],
)
def test_max_time_reads_durations(text: str, seconds: float) -> None:
    config = build_config("default", {"target_ci_pct": "5", "max_time_s": text})
    assert config.max_time_s == seconds


def test_precise_preset_asks_for_five_percent_within_half_an_hour() -> None:
    config = build_config("precise", {})
    assert (config.target_ci_pct, config.max_repetitions, config.max_time_s) == (5.0, 30, 1800.0)


@pytest.mark.parametrize(
    ("overrides", "parts"),
    [
        ({"max_repetitions": "10"}, ["--max-repetitions", "--target-ci"]),
        ({"max_time_s": "6m"}, ["--max-time", "--target-ci"]),
        ({"target_ci_pct": "0"}, ["--target-ci", "0%"]),
        ({"target_ci_pct": "150"}, ["--target-ci", "150%"]),
        ({"target_ci_pct": "ten"}, ["--target-ci", "'ten'"]),
        ({"target_ci_pct": "5", "max_time_s": "6 minutes"}, ["--max-time", "'6 minutes'"]),
        ({"target_ci_pct": "5", "max_time_s": "0s"}, ["--max-time", "0"]),
        ({"target_ci_pct": "5", "max_repetitions": "4"}, ["--max-repetitions 4", "8 planned"]),
    ],
)
def test_bad_target_ci_settings_are_refused(overrides: dict[str, str], parts: list[str]) -> None:
    with pytest.raises(UsageError) as excinfo:
        build_config("default", overrides)
    usage_error(excinfo, *parts)


def test_a_target_ci_run_reads_back_from_its_parameters() -> None:
    config = build_config("quick", {"target_ci_pct": "10", "max_time_s": "6m"})
    assert config_from_dict(json.loads(json.dumps(config.to_dict()))) == config


def test_an_unknown_trial_order_names_the_flag_and_the_orders() -> None:
    with pytest.raises(UsageError) as excinfo:
        build_config("default", {"order": "random"})
    usage_error(excinfo, "--order", "'random'")
    assert "blocked, shuffled" in excinfo.value.hint


def test_the_order_is_recorded_and_read_back() -> None:
    config = build_config("default", {"order": "shuffled"})
    assert config.to_dict()["order"] == "shuffled"
    assert config_from_dict(config.to_dict()).order == "shuffled"
    assert config_from_dict(build_config("default", {}).to_dict()).order == "blocked"


def test_an_app_at_another_version_runs_from_its_derived_folder(tmp_path: Path) -> None:
    folder = derived_aio(tmp_path)
    config = build_config(
        "quick", {"apps": "aio,aio@aiohttp==3.9.5", "versions": (version_of(folder),)}
    )
    assert config.apps == ("aio", "aio@aiohttp==3.9.5")
    assert config.app_folders == ()  # the user's own folders only
    assert config.catalog().apps["aio@aiohttp==3.9.5"].image == folder.name
    recorded = json.loads(json.dumps(config.to_dict()))
    assert recorded["versions"] == [
        {"entry": "aio@aiohttp==3.9.5", "folder": str(folder), "commit": None}
    ]
    assert config_from_dict(recorded) == config


def test_a_version_runs_as_its_own_aa_pair(tmp_path: Path) -> None:
    folder = derived_aio(tmp_path)
    config = build_config("quick", {"aa": "aio@aiohttp==3.9.5", "versions": (version_of(folder),)})
    assert config.apps == ("aio@aiohttp==3.9.5:a", "aio@aiohttp==3.9.5:b")
    assert config_from_dict(config.to_dict()) == config


def test_a_version_not_derived_first_is_an_unknown_app() -> None:
    with pytest.raises(UsageError, match=r"unknown app 'aio@aiohttp==3\.9\.5'"):
        build_config("quick", {"apps": "aio,aio@aiohttp==3.9.5"})


def test_a_run_recorded_before_versions_existed_has_none() -> None:
    recorded = build_config("quick", {}).to_dict()
    del recorded["versions"]
    assert config_from_dict(recorded).versions == ()
