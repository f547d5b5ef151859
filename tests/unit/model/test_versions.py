"""An app at another version, the pure side: the entry, the names, requirements.in's pin,
the derived folder's manifest and what run.json records."""

from __future__ import annotations

import re

import pytest

from lab.errors import UsageError
from lab.model.versions import (
    LOCK_COMMITTED,
    AppVersion,
    Derivation,
    VersionEntry,
    as_versions,
    derived_folder_name,
    is_folder,
    parse_derivation,
    parse_entry,
    pin_requirements,
    record_versions,
    version_app_name,
)
from tests.unit.fixtures import usage_error

# What Docker takes as one component of a repository name, and the lab as a folder's.
DOCKER_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
APP_FOLDER_NAME = re.compile(r"^[a-z0-9][a-z0-9_]*$")


def test_a_plain_app_or_folder_is_no_version() -> None:
    assert parse_entry("aio") is None
    assert parse_entry("./myapp") is None


def test_a_pin_is_package_equals_equals_version() -> None:
    entry = parse_entry("aio@aiohttp==3.9.5")
    assert entry == VersionEntry("aio", "aiohttp==3.9.5")
    assert entry.is_pin and (entry.package, entry.version) == ("aiohttp", "3.9.5")
    assert entry.text == "aio@aiohttp==3.9.5"


def test_anything_else_is_a_revision_and_the_first_at_splits() -> None:
    for text, base, spec in [
        ("./myapp@main", "./myapp", "main"),
        ("../apps/x@origin/main", "../apps/x", "origin/main"),
        ("aio@HEAD~3", "aio", "HEAD~3"),
        ("./myapp@main@{1}", "./myapp", "main@{1}"),
        ("./myapp@v1.2.0", "./myapp", "v1.2.0"),
    ]:
        entry = parse_entry(text)
        assert entry == VersionEntry(base, spec)
        assert not entry.is_pin
        with pytest.raises(ValueError, match="not a pin"):
            _ = entry.package


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("aio@aiohttp>=3.9", "not a pin of one version"),
        ("aio@aiohttp~=3.9", "not a pin of one version"),
        ("aio@aiohttp==3.9.*", "not a pin of one version"),
        ("aio@==3.9.5", "not a pin of one version"),
        ("aio@aiohttp=3.9.5", "not a pin of one version"),
        ("aio@-x", "not a revision"),
        ("aio@main..dev", "not a revision"),
        ("aio@HEAD:app.py", "not a revision"),
        ("aio@", "one app or folder, an @"),
        ("@main", "one app or folder, an @"),
        ("all@main", "one app or folder, an @"),
    ],
)
def test_a_bad_entry_is_one_line_naming_it(text: str, named: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_entry(text)
    usage_error(info, f"--apps {text}", named)


def test_only_what_is_before_the_at_says_whether_an_entry_is_a_folder() -> None:
    assert is_folder("./myapp@main") and is_folder("/abs/x") and is_folder(".")
    assert not is_folder("myapp@origin/main")  # an app's name at a revision holding a /
    assert not is_folder("aio@aiohttp==3.9.5")


def test_an_app_at_a_version_is_named_for_it() -> None:
    assert version_app_name("aio", "aiohttp==3.9.5") == "aio@aiohttp==3.9.5"
    assert version_app_name("aio-uvloop", "main") == "aio-uvloop@main"


def test_the_derived_folder_name_is_a_folder_and_image_name_that_shows_the_spec() -> None:
    name = derived_folder_name("aio", "aiohttp==3.9.5", "/src/aio\naiohttp==3.9.5")
    assert name.startswith("aio__aiohttp_3_9_5_")
    for spec in ("aiohttp==3.9.5", "origin/feature-X", "main@{1}", "HEAD~3", "@@@", "a" * 90):
        name = derived_folder_name("my_app_", spec, spec)
        assert DOCKER_COMPONENT.match(name) and APP_FOLDER_NAME.match(name), name
        assert len(name) < 60


def test_specs_that_fold_alike_or_sources_that_differ_get_their_own_folders() -> None:
    names = {
        derived_folder_name("x", "feature/a", "/src/x\nfeature/a"),
        derived_folder_name("x", "feature-a", "/src/x\nfeature-a"),
        derived_folder_name("x", "feature/a", "/other/x\nfeature/a"),
    }
    assert len(names) == 3
    assert derived_folder_name("x", "main", "k") == derived_folder_name("x", "main", "k")


REQUIREMENTS = """\
# the app's packages
Flask
gunicorn[gevent] ; python_version >= "3.8"
--only-binary :all:
redis>=5  # a floor
"""


def test_the_pin_replaces_the_packages_line_and_keeps_the_rest() -> None:
    pinned = pin_requirements(REQUIREMENTS, VersionEntry("flask", "gunicorn==23.0.0"), "req.in")
    lines = pinned.splitlines()
    assert lines[0] == "# the app's packages" and lines[1] == "Flask"
    assert lines[2].startswith('gunicorn[gevent]==23.0.0 ; python_version >= "3.8"  # ')
    assert lines[3:] == ["--only-binary :all:", "redis>=5  # a floor"]


def test_the_pin_matches_names_as_pip_does_and_replaces_a_floor() -> None:
    pinned = pin_requirements(REQUIREMENTS, VersionEntry("flask", "flask==2.3.3"), "req.in")
    assert pinned.splitlines()[1].startswith("Flask==2.3.3  # ")
    pinned = pin_requirements(REQUIREMENTS, VersionEntry("flask", "Redis==5.0.8"), "req.in")
    assert pinned.splitlines()[-1].startswith("redis==5.0.8  # ")
    assert "(was: redis>=5)" in pinned


def test_the_pinned_text_is_the_same_for_every_entry_of_one_pin() -> None:
    """It is an input of the image: aio's and aio-uvloop's entries share one folder."""
    one = pin_requirements(REQUIREMENTS, VersionEntry("flask", "flask==2.3.3"), "req.in")
    other = pin_requirements(REQUIREMENTS, VersionEntry("flask-granian", "flask==2.3.3"), "x")
    assert one == other


def test_a_package_the_folder_does_not_require_is_refused_with_the_fix() -> None:
    with pytest.raises(UsageError) as info:
        pin_requirements(REQUIREMENTS, VersionEntry("flask", "werkzeug==3.0.0"), "apps/x/req.in")
    usage_error(info, "--apps flask@werkzeug==3.0.0", "werkzeug", "apps/x/req.in")
    assert "Flask, gunicorn, redis" in info.value.hint
    assert "add werkzeug to apps/x/req.in" in info.value.hint


DERIVATION = Derivation(
    entry="/src/myapp@main",
    base="myapp",
    spec="main",
    source="/src/myapp",
    commit="0123456789abcdef0123456789abcdef01234567",
    lock=LOCK_COMMITTED,
    lock_inputs_sha256="a" * 64,
    base_lock_sha256=None,
    locked='flask==3.1.3, gunicorn==27.0.1 "quoted"',
)


def test_the_manifest_reads_back_what_it_wrote() -> None:
    text = DERIVATION.to_toml()
    assert text.startswith("# Written by the lab")
    assert parse_derivation(text, "lab-version.toml") == DERIVATION
    assert DERIVATION.to_dict()["commit"] == DERIVATION.commit


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("entry = ", "not valid TOML"),
        ('entry = "x"', "no base"),
        (DERIVATION.to_toml() + "extra = 1\n", "unknown key 'extra'"),
        (DERIVATION.to_toml().replace('spec = "main"', "spec = 3"), "spec is not text"),
    ],
)
def test_a_damaged_manifest_is_refused_with_the_fix(text: str, named: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_derivation(text, "v/lab-version.toml")
    usage_error(info, "v/lab-version.toml", named)
    assert "delete the folder" in info.value.hint


def test_run_json_records_each_version_and_reads_it_back() -> None:
    versions = (AppVersion("aio@aiohttp==3.9.5", "/w/a"), AppVersion("/s/m@main", "/w/m", "c0"))
    recorded = record_versions(versions)
    assert recorded[1] == {"entry": "/s/m@main", "folder": "/w/m", "commit": "c0"}
    assert as_versions("--apps", recorded) == versions
    assert as_versions("--apps", versions) == versions


@pytest.mark.parametrize("value", ["aio@x==1", [{"entry": "aio@x==1"}], [3]])
def test_a_damaged_record_of_versions_is_refused(value: object) -> None:
    with pytest.raises(UsageError, match="--apps"):
        as_versions("--apps", value)
