from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest

from lab.errors import UsageError
from lab.model.catalog import CEILING, SCENARIOS, builtin_catalog
from lab.paths import ROOT
from tests.unit.derived import derived_aio

CATALOG = builtin_catalog()
APPS = CATALOG.apps
SHIPPED = {
    "flask", "flask-granian", "aio", "aio-uvloop", "fastapi", "fastapi-granian", "starlette",
    "django", "django-wsgi", "falcon", "litestar", "blacksheep",
}  # fmt: skip


def test_the_lab_ships_its_apps_as_folders_found_by_their_manifests() -> None:
    assert set(APPS) == SHIPPED
    assert {folder.name for folder in CATALOG.folders} == {
        name for name in SHIPPED if "-" not in name
    }
    assert not any(folder.external for folder in CATALOG.folders)


def test_all_starts_with_the_articles_two_so_flask_stays_the_baseline() -> None:
    everything = CATALOG.everything()
    assert everything[:2] == ("flask", "aio")
    assert set(everything) == SHIPPED
    assert list(everything[2:]) == sorted(everything[2:])


def test_the_articles_apps_keep_their_servers_and_variants_share_an_image() -> None:
    assert (APPS["flask"].image, APPS["flask"].server.worker_class) == ("flask", "gevent")
    assert (APPS["aio"].image, APPS["aio"].server.worker_class) == (
        "aio",
        "aiohttp.GunicornWebWorker",
    )
    assert (APPS["aio-uvloop"].image, APPS["aio-uvloop"].server.worker_class) == (
        "aio",
        "aiohttp.GunicornUVLoopWebWorker",
    )
    assert APPS["fastapi-granian"].image == "fastapi"
    assert APPS["fastapi-granian"].server.name == "granian"


def test_a_run_name_maps_back_to_its_app_and_the_ceiling_to_nginx() -> None:
    assert CATALOG.app("aio:a") is APPS["aio"]
    assert CATALOG.app("nginx") is CEILING
    with pytest.raises(KeyError):
        CATALOG.app("nope")


def test_every_entry_is_keyed_by_its_own_name_and_described() -> None:
    for key, app in APPS.items():
        assert app.name == key
        assert app.description
        assert set(app.scenarios) <= set(SCENARIOS)
    for key, scenario in SCENARIOS.items():
        assert scenario.name == key
        assert scenario.description


def test_scenarios_paths_and_what_they_need() -> None:
    assert list(SCENARIOS) == [
        "hello", "hit", "json", "upload1k", "upload64k", "upload1m", "io", "db", "queries",
        "fortunes", "mix",
    ]  # fmt: skip
    assert (SCENARIOS["hello"].request.path, SCENARIOS["hello"].uses_redis) == ("/", False)
    assert (SCENARIOS["hit"].request.path, SCENARIOS["hit"].uses_redis) == ("/hit", True)
    uses_postgres = [name for name, scenario in SCENARIOS.items() if scenario.uses_postgres]
    assert uses_postgres == ["db", "queries", "fortunes", "mix"]
    assert SCENARIOS["queries"].request.path == "/queries?n=20"


def test_tables_cannot_be_changed() -> None:
    with pytest.raises(TypeError):
        APPS["django2"] = APPS["flask"]  # type: ignore[index]
    with pytest.raises(TypeError):
        SCENARIOS["slow"] = SCENARIOS["hello"]  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        APPS["flask"].image = "other"  # type: ignore[misc]


MANIFEST = """
description = "A toy app"
framework = "toy"
scenarios = ["hello"]
[server]
name = "uvicorn"
target = "app:app"
loop = "asyncio"
http = "h11"
[variants.granian]
description = "The toy on granian"
server = { name = "granian", target = "app:app", interface = "asgi" }
"""


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def test_adding_an_app_folder_changes_no_file_under_lab(tmp_path: Path) -> None:
    before = tree_digest(ROOT / "lab")
    apps_dir = tmp_path / "apps"
    for name in ("flask", "toy"):
        (apps_dir / name).mkdir(parents=True)
    (apps_dir / "flask" / "app.toml").write_text((ROOT / "apps/flask/app.toml").read_text())
    (apps_dir / "toy" / "app.toml").write_text(MANIFEST)
    (apps_dir / "toy" / "app.py").write_text("app = None\n")
    (apps_dir / "notes").mkdir()  # a folder without a manifest is not an app

    catalog = builtin_catalog(apps_dir)

    flask = {app.name for app in CATALOG.folder("flask").apps}
    assert set(catalog.apps) == flask | {"toy", "toy-granian"}
    assert catalog.everything() == ("flask", *sorted(flask - {"flask"}), "toy", "toy-granian")
    assert catalog.apps["toy"].scenarios == ("hello",)
    assert catalog.folder("toy").files == ("app.py", "app.toml")
    assert tree_digest(ROOT / "lab") == before


def test_a_users_folder_joins_the_catalog_but_not_all(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "app.toml").write_text(MANIFEST)
    catalog = CATALOG.with_folders([mine])
    assert catalog.apps["mine"].server.name == "uvicorn"
    assert catalog.apps["mine-granian"].image == "mine"
    assert catalog.folder("mine").external
    assert "mine" not in catalog.everything()
    assert "mine" not in CATALOG.apps  # the lab's own catalog is left as it was


def test_a_users_folder_may_not_take_a_name_the_lab_has(tmp_path: Path) -> None:
    clash = tmp_path / "flask"
    clash.mkdir()
    (clash / "app.toml").write_text(MANIFEST)
    with pytest.raises(UsageError, match="'flask' is taken"):
        CATALOG.with_folders([clash])


def test_a_derived_folder_names_its_apps_for_their_version_and_runs_its_own_image(
    tmp_path: Path,
) -> None:
    derived = derived_aio(tmp_path)
    catalog = CATALOG.with_folders([derived])
    folder = catalog.folder(derived.name)
    assert [app.name for app in folder.apps] == ["aio@aiohttp==3.9.5", "aio-uvloop@aiohttp==3.9.5"]
    assert {app.image for app in folder.apps} == {derived.name}
    assert catalog.app("aio@aiohttp==3.9.5:a") is catalog.apps["aio@aiohttp==3.9.5"]
    assert catalog.apps["aio@aiohttp==3.9.5"].server == APPS["aio"].server
    assert folder.derivation is not None and folder.derivation.spec == "aiohttp==3.9.5"
    assert (folder.context_name, CATALOG.folder("aio").context_name) == ("aio", "aio")
    # Its manifest is where the folder came from, not what its image runs.
    assert "lab-version.toml" not in folder.files
    assert catalog.everything() == CATALOG.everything()
