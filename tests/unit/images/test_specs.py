from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from lab.images.context import tar_context
from lab.images.specs import (
    INFRASTRUCTURE,
    image_specs,
    image_tag,
    inputs_hash,
    spec_named,
    wheel_platforms,
)
from lab.model.catalog import builtin_catalog
from lab.model.versions import LOCK_COMMITTED, VERSION_MANIFEST, Derivation
from lab.paths import ROOT
from tests.unit.derived import derived_aio

CATALOG = builtin_catalog()
AIO = spec_named("aio", CATALOG)
CONTENTS = {path: f"content of {path}".encode() for path in AIO.inputs}


def test_the_infrastructure_then_one_image_per_app_folder() -> None:
    specs = image_specs(CATALOG)
    assert [s.name for s in specs[:4]] == ["redis", "postgres", "wrk", "nginx"]
    assert [s.name for s in specs[4:]] == [folder.name for folder in CATALOG.folders]
    assert all(s.inputs[0] == f"Dockerfile.{s.name}" for s in INFRASTRUCTURE)
    assert spec_named("flask", CATALOG).lock == "apps/flask/requirements.lock"


def test_the_articles_apps_keep_their_dockerfiles_and_the_rest_share_one() -> None:
    assert spec_named("flask", CATALOG).dockerfile == "Dockerfile.flask"
    assert spec_named("aio", CATALOG).dockerfile == "Dockerfile.aio"
    fastapi = spec_named("fastapi", CATALOG)
    assert (fastapi.dockerfile, fastapi.buildargs) == ("Dockerfile.app", (("APP", "fastapi"),))
    assert "apps/fastapi/app.toml" in fastapi.files and "apps/gunicorn.conf.py" in fastapi.files
    assert "apps/payload.json" in fastapi.files
    assert fastapi.versions_of == ("fastapi", "granian", "uvicorn")


def test_a_users_folder_is_read_from_where_it_is_but_built_as_apps_name(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "app.toml").write_text((ROOT / "apps/starlette/app.toml").read_text())
    (mine / "app.py").write_text("app = None\n")
    spec = spec_named("mine", CATALOG.with_folders([mine]))
    assert spec.files == (
        "apps/gunicorn.conf.py",
        "apps/payload.json",
        "apps/mine/app.py",
        "apps/mine/app.toml",
    )
    assert spec.source(ROOT, "apps/mine/app.py") == mine / "app.py"
    assert spec.source(ROOT, "apps/gunicorn.conf.py") == ROOT / "apps/gunicorn.conf.py"
    assert spec.source(ROOT, "apps/payload.json") == ROOT / "apps/payload.json"
    assert spec.source(ROOT, spec.lock or "") == mine / "requirements.lock"


def test_hash_is_stable_for_the_same_inputs() -> None:
    assert inputs_hash(AIO, CONTENTS, "sha256:base") == inputs_hash(
        AIO, dict(CONTENTS), "sha256:base"
    )


@pytest.mark.parametrize("path", AIO.inputs)
def test_changing_any_input_changes_the_hash(path: str) -> None:
    changed = {**CONTENTS, path: CONTENTS[path] + b" "}
    assert inputs_hash(AIO, changed, "sha256:base") != inputs_hash(AIO, CONTENTS, "sha256:base")


def test_a_new_base_image_changes_the_hash() -> None:
    assert inputs_hash(AIO, CONTENTS, "sha256:a") != inputs_hash(AIO, CONTENTS, "sha256:b")


def test_files_outside_the_inputs_do_not_count() -> None:
    extra = {**CONTENTS, "README.md": b"anything"}
    assert inputs_hash(AIO, extra, "sha256:base") == inputs_hash(AIO, CONTENTS, "sha256:base")


def test_missing_input_is_named() -> None:
    partial = {k: v for k, v in CONTENTS.items() if k != AIO.lock}
    with pytest.raises(KeyError, match=r"apps/aio/requirements\.lock"):
        inputs_hash(AIO, partial, "sha256:base")


def test_tag_is_the_repository_and_a_prefix_of_the_hash() -> None:
    assert image_tag(AIO, "0123456789abcdef" * 4) == "lab/aio:0123456789abcdef"


def test_unknown_image_lists_the_known_ones() -> None:
    with pytest.raises(KeyError, match="known: redis, postgres, wrk, nginx, aio, "):
        spec_named("apache", CATALOG)


def test_wheel_platforms_cover_every_glibc_up_to_the_base_image() -> None:
    tags = wheel_platforms("x86_64")
    assert tags[0] == "manylinux_2_36_x86_64"
    assert "manylinux_2_17_x86_64" in tags and "manylinux2014_x86_64" in tags
    assert "manylinux1_x86_64" in tags
    assert "manylinux1_aarch64" not in wheel_platforms("aarch64")


def test_context_tar_is_deterministic_and_holds_exactly_the_files() -> None:
    files = {"b.txt": b"b", "a/x.txt": b"x"}
    first = tar_context(files)
    assert first == tar_context(dict(reversed(list(files.items()))))
    with tarfile.open(fileobj=io.BytesIO(first)) as tar:
        members = tar.getmembers()
        assert [m.name for m in members] == ["a/x.txt", "b.txt"]
        assert {(m.mtime, m.uid, m.gid) for m in members} == {(0, 0, 0)}


def test_a_version_is_built_as_its_source_is_from_its_derived_folder(tmp_path: Path) -> None:
    derived = derived_aio(tmp_path, "redis==5.0.8")
    spec = spec_named(derived.name, CATALOG.with_folders([derived]))
    # The same Dockerfile and context paths as aio's: only the bytes and the name differ.
    assert (spec.dockerfile, spec.files, spec.lock) == (AIO.dockerfile, AIO.files, AIO.lock)
    assert spec.repository == f"lab/{derived.name}"
    assert spec.source(ROOT, "apps/aio/app.py") == derived / "app.py"
    assert spec.source(ROOT, spec.lock or "") == derived / "requirements.lock"
    assert spec.versions_of == ("aiohttp", "gunicorn", "redis")  # and the pinned package
    assert inputs_hash(spec, CONTENTS, "sha256:b") != inputs_hash(AIO, CONTENTS, "sha256:b")


def test_a_version_of_a_folder_on_the_shared_dockerfile_keeps_its_apps_argument(
    tmp_path: Path,
) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "app.toml").write_text((ROOT / "apps/starlette/app.toml").read_text())
    derivation = Derivation("m@main", "mine", "main", str(mine), "c", LOCK_COMMITTED, "", None, "")
    derived = tmp_path / "mine__main_0"
    derived.mkdir()
    (derived / "app.toml").write_text((ROOT / "apps/starlette/app.toml").read_text())
    (derived / VERSION_MANIFEST).write_text(derivation.to_toml())
    spec = spec_named("mine__main_0", CATALOG.with_folders([derived]))
    assert (spec.dockerfile, spec.buildargs) == ("Dockerfile.app", (("APP", "mine"),))
    assert spec.files == ("apps/gunicorn.conf.py", "apps/payload.json", "apps/mine/app.toml")
    assert spec.versions_of == ("starlette", "uvicorn")  # a revision pins nothing more
