"""Versions as apps on the command line: what a bad entry prints and exits with (the real
command, as a user runs it), and the configuration and plan a good one gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lab.cli.main import build_parser
from lab.cli.options import config_from_args, config_from_run
from lab.cli.plantext import render_blueprint
from lab.errors import EXIT_USAGE
from lab.model.plan import blueprint
from tests.unit.cli.test_main import lab
from tests.unit.derived import app_folder, derived_aio, git, git_checkout


@pytest.mark.parametrize(
    ("entry", "named"),
    [
        ("nope@aiohttp==3.9.5", "unknown app 'nope'"),
        ("aio@aiohttp>=3.9", "'aiohttp>=3.9' is not a pin of one version"),
        ("aio@yarl==1.9.4", "yarl is not a requirement of"),
        ("aio@no-such-revision-of-the-lab", "no revision 'no-such-revision-of-the-lab'"),
        ("{outside}@main", "is not in a git work tree"),
    ],
)
def test_a_version_that_cannot_be_had_is_one_line_naming_it_with_exit_2(
    tmp_path: Path, entry: str, named: str
) -> None:
    text = entry.format(outside=app_folder(tmp_path / "mine"))
    done = lab("plan", "--apps", f"aio,{text}")
    assert done.returncode == EXIT_USAGE, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"lab: error: --apps {text}: ") and named in lines[0]
    assert " — " in lines[0]  # and what to do about it
    assert done.stdout == ""


def test_lab_apps_lists_a_derived_folders_apps_by_their_version(tmp_path: Path) -> None:
    done = lab("apps", str(derived_aio(tmp_path)))
    assert done.returncode == 0, done.stderr
    assert "aio@aiohttp==3.9.5" in done.stdout and "aio-uvloop@aiohttp==3.9.5" in done.stdout
    assert "flask" in done.stdout


def plan_args(*flags: str) -> object:
    return build_parser().parse_args(["plan", "--preset", "quick", *flags])


def test_a_revision_beside_its_working_tree_is_planned_and_read_back(tmp_path: Path) -> None:
    repo = git_checkout(tmp_path / "repo")
    source = repo / "apps" / "mine"
    work = tmp_path / "work"
    said: list[str] = []

    config = config_from_args(plan_args("--apps", f"{source},{source}@HEAD~1"), said.append, work)

    assert config.apps == ("mine", "mine@HEAD~1")
    assert config.app_folders == (str(source),)
    (version,) = config.versions
    assert version.entry == f"{source}@HEAD~1" and version.commit == git(
        repo, "rev-parse", "HEAD~1"
    )
    assert Path(version.folder).parent == work / "versions"
    assert said == []  # its lock was committed: nothing to resolve
    text = render_blueprint(blueprint(config, host_cpus=2))
    assert f"mine@HEAD~1  {source} at HEAD~1 ({version.commit[:12]})" in text

    # --resume and rerun: the folder as it is, or, when gone, the same commit again.
    assert config_from_run(config.to_dict(), said.append, work) == config
    shutil.rmtree(version.folder)
    git(repo, "commit", "-q", "-am", "v3")
    assert config_from_run(config.to_dict(), said.append, work) == config
    assert (Path(version.folder) / "app.py").read_text() == "app = 'v1'\n"


def test_a_version_runs_as_an_aa_pair(tmp_path: Path) -> None:
    source = git_checkout(tmp_path / "repo") / "apps" / "mine"
    config = config_from_args(plan_args("--aa", f"{source}@main"), workdir=tmp_path / "work")
    assert config.apps == ("mine@main:a", "mine@main:b")
    assert [version.entry for version in config.versions] == [f"{source}@main"]
    assert config_from_run(config.to_dict(), workdir=tmp_path / "work") == config
