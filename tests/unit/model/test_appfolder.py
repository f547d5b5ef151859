from __future__ import annotations

from pathlib import Path

import pytest

from lab.model.appfolder import ManifestError, folder_files, parse_manifest, read_folder

SCENARIOS = ("hello", "hit")
BASE = """
description = "An app"
framework = "fw"
[server]
name = "gunicorn"
target = "app:app"
worker_class = "gevent"
"""


def test_a_manifest_gives_its_app_and_variants_named_after_the_folder() -> None:
    text = (
        BASE + '[variants.two]\ndescription = "Two"\nserver = {name = "uvicorn", target = "m:a"}\n'
    )
    dockerfile, framework, apps = parse_manifest("mine", text, SCENARIOS)
    assert (dockerfile, framework) == (None, "fw")
    assert [(a.name, a.image, a.server.name) for a in apps] == [
        ("mine", "mine", "gunicorn"),
        ("mine-two", "mine", "uvicorn"),
    ]
    assert apps[0].scenarios == SCENARIOS  # every scenario unless it says otherwise


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('framework = "fw"', 'frame = "fw"'), "unknown key 'frame'"),
        (('name = "gunicorn"', 'name = "waitress"'), "unknown server 'waitress'"),
        (('target = "app:app"', 'target = "app"'), "not module:attribute"),
        (("worker_class", "loop"), "unknown key 'loop'"),  # a uvicorn knob on gunicorn
        (("[server]", 'scenarios = ["slow"]\n[server]'), "unknown scenario 'slow'"),
        (('description = "An app"', ""), "description is missing"),
        (("[server]", "[server\n"), "not valid TOML"),
    ],
)
def test_a_bad_manifest_is_refused_naming_what_is_wrong(
    change: tuple[str, str], message: str
) -> None:
    with pytest.raises(ManifestError, match=message):
        parse_manifest("mine", BASE.replace(*change), SCENARIOS)


def test_a_folder_name_must_be_an_app_name() -> None:
    with pytest.raises(ManifestError, match="not a usable app name"):
        parse_manifest("My-App", BASE, SCENARIOS)


def test_a_folder_without_a_manifest_says_what_to_add(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match=r"no app\.toml"):
        read_folder(tmp_path, SCENARIOS)


def test_the_build_takes_every_file_but_caches_and_vcs_state(tmp_path: Path) -> None:
    for name in ("app.toml", "app.py", "pkg/mod.py", "__pycache__/x.pyc", ".git/HEAD", "a.pyc"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    assert folder_files(tmp_path) == ("app.py", "app.toml", "pkg/mod.py")
