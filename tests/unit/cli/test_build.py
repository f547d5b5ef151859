"""`lab build`: every image, or with --for-run only those the run with the same flags starts."""

from __future__ import annotations

import pytest

from lab.cli.main import build_parser, images_to_build, main
from lab.images.specs import INFRASTRUCTURE, image_specs
from lab.model.catalog import builtin_catalog

# PostgreSQL's image only for a run whose scenarios read it.
INFRA = {spec.name for spec in INFRASTRUCTURE} - {"postgres"}


def chosen(*args: str) -> set[str] | None:
    specs = images_to_build(build_parser().parse_args(["build", *args]))
    return None if specs is None else {spec.name for spec in specs}


def test_postgres_is_built_for_a_run_only_when_a_scenario_reads_it() -> None:
    assert chosen("--for-run", "--scenarios", "hello,db") == INFRA | {"postgres", "flask", "aio"}
    assert chosen("--for-run", "--scenarios", "hello,hit,io") == INFRA | {"flask", "aio"}


def test_a_bare_build_builds_every_image_of_the_lab() -> None:
    assert chosen() is None  # build_all's default: the infrastructure and every app folder
    assert len(image_specs(builtin_catalog())) > len(INFRA | {"flask", "aio"})


def test_for_run_builds_only_the_default_runs_images() -> None:
    assert chosen("--for-run") == INFRA | {"flask", "aio"}


def test_for_run_follows_the_runs_flags_and_keeps_the_calibrations_image() -> None:
    # The calibration always runs in aio's image, so that any two runs' scores compare.
    assert chosen("--for-run", "--apps", "fastapi-granian,django") == INFRA | {
        "fastapi",
        "django",
        "aio",
    }
    assert chosen("--for-run", "--aa", "flask", "--apps", "flask") == INFRA | {"flask", "aio"}


def test_run_flags_without_for_run_are_refused_naming_the_flag(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Refused before any engine is asked: a bare build would silently ignore the flag.
    assert main(["build", "--apps", "aio"]) == 2
    message = capsys.readouterr().err.strip()
    assert message.startswith("lab: error: --apps: lab build takes a run's flags only with")
    assert "add --for-run" in message
    assert main(["build", "--preset", "quick"]) == 2
    assert "--preset" in capsys.readouterr().err


def test_a_bad_run_flag_is_refused_as_lab_run_refuses_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["build", "--for-run", "--apps", "flask,tornado"]) == 2
    assert "tornado" in capsys.readouterr().err
