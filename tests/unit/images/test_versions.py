"""Versions as apps, the effects: a pin's folder copied and re-locked (uv faked, but for one
test marked `integration` that asks the package index), a revision's folder taken from a
git repository made here, and a recorded run's folders found or derived again."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from lab.errors import UsageError
from lab.images import host
from lab.images.locks import parse_lock
from lab.images.versions import quiet, resolve_entries, resolve_version, restore_parameters
from lab.model.catalog import builtin_catalog
from lab.model.versions import (
    LOCK_COMMITTED,
    LOCK_PINNED,
    LOCK_RESOLVED,
    VERSION_MANIFEST,
    Derivation,
    parse_derivation,
)
from lab.paths import ROOT
from tests.unit.derived import REQUIREMENTS, SOURCE_LOCK, FakeUv, app_folder, git, git_checkout
from tests.unit.fixtures import usage_error

CATALOG = builtin_catalog()


@pytest.fixture
def uv(monkeypatch: pytest.MonkeyPatch) -> FakeUv:
    fake = FakeUv()
    monkeypatch.setattr(host, "compile_lock", fake)
    return fake


def manifest(folder: Path | str) -> Derivation:
    path = Path(folder) / VERSION_MANIFEST
    return parse_derivation(path.read_text(), str(path))


# --- a pin ---


def test_a_pin_copies_the_folder_pins_it_and_relocks_preferring_its_lock(
    tmp_path: Path, uv: FakeUv
) -> None:
    source = app_folder(tmp_path / "src" / "mine")
    (source / "__pycache__").mkdir()
    (source / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\0")
    work = tmp_path / "work"
    said: list[str] = []

    resolved = resolve_version(f"{source}@starlette==0.37.2", CATALOG, work, said.append)

    folder = Path(resolved.version.folder)
    assert folder.parent == work / "versions" and folder.name.startswith("mine__starlette_0_37_2_")
    assert resolved.apps == ("mine@starlette==0.37.2",)
    assert resolved.version.entry == f"{source}@starlette==0.37.2"
    assert resolved.version.commit is None
    assert sorted(p.name for p in folder.iterdir()) == [
        "app.py", "app.toml", VERSION_MANIFEST, "requirements.in", "requirements.lock",
    ]  # fmt: skip
    assert (folder / "requirements.in").read_text().startswith("starlette==0.37.2  # pinned")
    assert uv.preferred == [SOURCE_LOCK]  # the source's lock, as uv's preference
    locked = {
        pin.name: pin.version for pin in parse_lock((folder / "requirements.lock").read_text())
    }
    assert locked == {
        "starlette": "0.37.2", "uvicorn": "0.30.0", "uvloop": "0.21.0", "httptools": "0.6.4",
    }  # fmt: skip
    derivation = manifest(folder)
    assert (derivation.base, derivation.spec, derivation.lock) == (
        "mine",
        "starlette==0.37.2",
        LOCK_PINNED,
    )
    assert derivation.base_lock_sha256 == hashlib.sha256(SOURCE_LOCK.encode()).hexdigest()
    assert derivation.locked == "starlette==0.37.2, uvicorn==0.30.0"
    assert said == [
        f"{source}@starlette==0.37.2: locking {source}/requirements.in with the pin"
        " for Python 3.11.2"
    ]
    assert not list((work / "versions").glob("*.partial"))


def test_a_new_run_takes_the_sources_files_again_but_relocks_only_when_the_lock_would_change(
    tmp_path: Path, uv: FakeUv
) -> None:
    source = app_folder(tmp_path / "mine")
    entry = f"{source}@starlette==0.37.2"
    folder = Path(resolve_version(entry, CATALOG, tmp_path, quiet).version.folder)
    resolve_version(entry, CATALOG, tmp_path, quiet)
    assert uv.calls == 1

    (source / "app.py").write_text("app = 'v2'\n")
    resolve_version(entry, CATALOG, tmp_path, quiet)
    assert (folder / "app.py").read_text() == "app = 'v2'\n"  # as fair as the source itself
    assert uv.calls == 1

    (source / "requirements.in").write_text(REQUIREMENTS + "httpx\n")
    resolve_version(entry, CATALOG, tmp_path, quiet)
    assert uv.calls == 2 and "httpx==1.0" in (folder / "requirements.lock").read_text()
    (source / "requirements.lock").write_text(SOURCE_LOCK.replace("0.30.0", "0.31.0"))
    resolve_version(entry, CATALOG, tmp_path, quiet)
    assert uv.calls == 3 and "uvicorn==0.31.0" in (folder / "requirements.lock").read_text()


def test_an_app_of_the_lab_at_a_pin_stands_for_that_app_alone(tmp_path: Path, uv: FakeUv) -> None:
    resolved = resolve_version("aio-uvloop@aiohttp==3.9.5", CATALOG, tmp_path, quiet)
    assert resolved.apps == ("aio-uvloop@aiohttp==3.9.5",)
    assert resolved.version.entry == "aio-uvloop@aiohttp==3.9.5"
    assert [app.name for app in resolved.folder.apps] == [
        "aio@aiohttp==3.9.5",
        "aio-uvloop@aiohttp==3.9.5",
    ]
    assert manifest(resolved.version.folder).source == str(ROOT / "apps/aio")
    assert uv.preferred == [(ROOT / "apps/aio/requirements.lock").read_text()]


def test_an_apps_list_gets_each_version_derived_in_its_place(tmp_path: Path, uv: FakeUv) -> None:
    source = app_folder(tmp_path / "mine")
    entries = ("aio", str(source), "mine@starlette==0.37.2", "aio@aiohttp==3.9.5")
    names, versions = resolve_entries(entries, tmp_path / "work", quiet)
    assert names == ("aio", str(source), "mine@starlette==0.37.2", "aio@aiohttp==3.9.5")
    assert [version.entry for version in versions] == [entries[2], entries[3]]
    assert uv.calls == 2


def test_a_run_read_back_takes_its_folder_as_it_is_and_derives_it_again_when_gone(
    tmp_path: Path, uv: FakeUv
) -> None:
    source = app_folder(tmp_path / "mine")
    version = resolve_version(f"{source}@starlette==0.37.2", CATALOG, tmp_path, quiet).version
    parameters = {"apps": ["mine@starlette==0.37.2"], "versions": [version.to_dict()]}
    (source / "app.py").write_text("app = 'changed since'\n")

    assert restore_parameters(parameters, tmp_path, quiet) == parameters
    assert (Path(version.folder) / "app.py").read_text() == "app = 'v1'\n"
    assert uv.calls == 1

    shutil.rmtree(version.folder)
    assert restore_parameters(parameters, tmp_path, quiet) == parameters
    assert uv.calls == 2 and Path(version.folder, "requirements.lock").is_file()
    assert restore_parameters({"apps": ["aio"]}, tmp_path, quiet) == {"apps": ["aio"]}


@pytest.mark.parametrize(
    ("entry", "named"),
    [
        ("aio@yarl==1.9.4", "yarl is not a requirement of"),
        ("nope@aiohttp==3.9.5", "unknown app 'nope'"),
        ("{source}@starlette==1.0", "has no requirements.in"),
        ("{tmp}/gone@starlette==1.0", "no folder"),
    ],
)
def test_a_pin_that_cannot_be_made_is_refused_before_any_lock(
    tmp_path: Path, uv: FakeUv, entry: str, named: str
) -> None:
    source = app_folder(tmp_path / "mine", lock=False)
    (source / "requirements.in").unlink()
    text = entry.format(source=source, tmp=tmp_path)
    with pytest.raises(UsageError) as info:
        resolve_version(text, CATALOG, tmp_path / "work", quiet)
    usage_error(info, f"--apps {text}", named)
    assert uv.calls == 0 and not (tmp_path / "work").exists()


@pytest.mark.usefixtures("uv")
def test_a_derived_folder_is_not_a_source(tmp_path: Path) -> None:
    folder = resolve_version("aio@aiohttp==3.9.5", CATALOG, tmp_path, quiet).version.folder
    with pytest.raises(UsageError) as info:
        resolve_version(f"{folder}@aiohttp==3.9.4", CATALOG, tmp_path, quiet)
    usage_error(info, "itself a version the lab derived")


# --- a revision ---


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return git_checkout(tmp_path / "repo")


def test_a_revision_is_the_folder_as_committed_there(repo: Path, uv: FakeUv) -> None:
    source = repo / "apps" / "mine"
    work = repo.parent / "work"
    for spec, code in (("HEAD~1", "v1"), ("main", "v2"), ("HEAD", "v2")):
        resolved = resolve_version(f"{source}@{spec}", CATALOG, work, quiet)
        folder = Path(resolved.version.folder)
        assert (folder / "app.py").read_text() == f"app = {code!r}\n", spec
        assert resolved.apps == (f"mine@{spec}",)
        assert resolved.version.commit == git(repo, "rev-parse", spec)
        derivation = manifest(folder)
        assert (derivation.commit, derivation.lock) == (resolved.version.commit, LOCK_COMMITTED)
        assert (folder / "requirements.lock").read_text() == SOURCE_LOCK
    assert uv.calls == 0


def test_a_revision_without_a_lock_gets_one_resolved(repo: Path, uv: FakeUv) -> None:
    resolved = resolve_version(f"{repo}/apps/new@HEAD", CATALOG, repo.parent, quiet)
    assert manifest(resolved.version.folder).lock == LOCK_RESOLVED
    assert uv.preferred == [""]


@pytest.mark.usefixtures("uv")
def test_a_revisions_folder_is_kept_and_a_run_read_back_keeps_its_commit(repo: Path) -> None:
    source, work = repo / "apps" / "mine", repo.parent / "work"
    first = resolve_version(f"{source}@main", CATALOG, work, quiet).version
    git(repo, "commit", "-q", "-am", "v3")
    later = resolve_version(f"{source}@main", CATALOG, work, quiet).version
    assert later.commit != first.commit and later.folder != first.folder

    shutil.rmtree(first.folder)
    parameters = {"versions": [first.to_dict()]}
    assert restore_parameters(parameters, work, quiet) == parameters
    assert Path(first.folder, "app.py").read_text() == "app = 'v2'\n"


@pytest.mark.parametrize(
    ("entry", "named"),
    [
        ("{repo}/apps/mine@no-such-branch", "no revision 'no-such-branch' in the git checkout"),
        ("{repo}/apps/new@HEAD~1", "is not in HEAD~1"),
        ("{plain}@main", "is not in a git work tree"),
    ],
)
@pytest.mark.usefixtures("uv")
def test_a_revision_that_cannot_be_had_is_one_line(repo: Path, entry: str, named: str) -> None:
    plain = app_folder(repo.parent / "plain" / "mine")
    text = entry.format(repo=repo, plain=plain)
    with pytest.raises(UsageError) as info:
        resolve_version(text, CATALOG, repo.parent / "work", quiet)
    usage_error(info, f"--apps {text}", named)
    assert not list((repo.parent / "work").glob("versions/*"))


# --- the package index ---


@pytest.mark.integration
def test_aiohttp_pinned_back_is_relocked_by_uv_for_the_images_python(tmp_path: Path) -> None:
    """Asks the package index (no Docker): everything but aiohttp and what it forces stays."""
    resolved = resolve_version("aio@aiohttp==3.9.5", CATALOG, tmp_path, quiet)
    lock = Path(resolved.version.folder, "requirements.lock").read_text()
    pins = {pin.name: pin for pin in parse_lock(lock)}
    source = {
        pin.name: pin.version
        for pin in parse_lock((ROOT / "apps/aio/requirements.lock").read_text())
    }
    assert pins["aiohttp"].version == "3.9.5" and pins["aiohttp"].hashes
    for name in ("gunicorn", "redis", "hiredis", "uvloop", "yarl", "frozenlist"):
        assert pins[name].version == source[name], name
    assert "uv pip compile --generate-hashes --python-version 3.11.2" in lock
    assert str(tmp_path) not in lock  # the lock's bytes do not depend on where it was made
    assert manifest(resolved.version.folder).locked == "aiohttp==3.9.5, gunicorn==27.0.1"
