from __future__ import annotations

import dataclasses

import pytest

from lab.model.catalog import APPS, SCENARIOS, AppSpec, Scenario


def test_apps_are_flask_aio_and_aio_uvloop() -> None:
    assert list(APPS) == ["flask", "aio", "aio-uvloop"]


def test_app_images_and_worker_classes() -> None:
    assert (APPS["flask"].image, APPS["flask"].worker_class) == ("flask", "gevent")
    assert (APPS["aio"].image, APPS["aio"].worker_class) == ("aio", "aiohttp.GunicornWebWorker")
    assert (APPS["aio-uvloop"].image, APPS["aio-uvloop"].worker_class) == (
        "aio",
        "aiohttp.GunicornUVLoopWebWorker",
    )


def test_every_entry_is_keyed_by_its_own_name_and_described() -> None:
    for key, app in APPS.items():
        assert isinstance(app, AppSpec)
        assert app.name == key
        assert app.description
    for key, scenario in SCENARIOS.items():
        assert isinstance(scenario, Scenario)
        assert scenario.name == key
        assert scenario.description


def test_scenarios_paths_and_redis_use() -> None:
    assert list(SCENARIOS) == ["hello", "hit"]
    assert (SCENARIOS["hello"].path, SCENARIOS["hello"].uses_redis) == ("/", False)
    assert (SCENARIOS["hit"].path, SCENARIOS["hit"].uses_redis) == ("/hit", True)


def test_tables_cannot_be_changed() -> None:
    with pytest.raises(TypeError):
        APPS["django"] = APPS["flask"]  # type: ignore[index]
    with pytest.raises(TypeError):
        SCENARIOS["slow"] = SCENARIOS["hello"]  # type: ignore[index]


def test_entries_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        APPS["flask"].image = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        SCENARIOS["hit"].path = "/other"  # type: ignore[misc]
