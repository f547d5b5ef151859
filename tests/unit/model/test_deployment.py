"""Which deployment an app is, in a few words, from its manifest's facts."""

# The labels print middle dots and multiplication signs; expected text spells them literally.
# ruff: noqa: RUF001

from __future__ import annotations

from typing import Any

import pytest

from lab.model.catalog import CEILING, builtin_catalog
from lab.model.deployment import (
    deployment_label,
    deployment_of,
    framework_name,
    recorded_deployments,
)


@pytest.mark.parametrize(
    ("framework", "server", "label"),
    [
        (
            "Django",
            {"name": "gunicorn", "worker_class": "gthread", "args": ["--threads", "64"]},
            "Django · WSGI · gunicorn gthread ×64",
        ),
        ("Django", {"name": "uvicorn", "loop": "uvloop"}, "Django · ASGI · uvicorn"),
        ("Flask", {"name": "gunicorn", "worker_class": "gevent"}, "Flask · WSGI · gunicorn gevent"),
        ("FastAPI", {"name": "granian", "interface": "asgi"}, "FastAPI · ASGI · granian"),
        (
            "Flask",
            {"name": "granian", "interface": "wsgi", "args": ["--blocking-threads=8"]},
            "Flask · WSGI · granian ×8",
        ),
        ("Flask", {"name": "gunicorn"}, "Flask · WSGI · gunicorn sync"),
        (
            "Starlette",
            {"name": "gunicorn", "worker_class": "uvicorn.workers.UvicornWorker"},
            "Starlette · ASGI · gunicorn uvicorn worker",
        ),
        (
            "aiohttp",
            {"name": "gunicorn", "worker_class": "aiohttp.GunicornUVLoopWebWorker"},
            "aiohttp · gunicorn aiohttp worker (uvloop)",
        ),
        ("Flask", {"name": "uvicorn", "args": ["--interface", "wsgi"]}, "Flask · WSGI · uvicorn"),
        ("nginx", {"name": "nginx"}, "nginx"),
        ("Bottle", {"name": "waitress"}, "Bottle · waitress"),
    ],
)
def test_the_label_says_framework_interface_server_and_worker(
    framework: str, server: dict[str, Any], label: str
) -> None:
    assert deployment_label(framework, server) == label


def test_the_framework_reads_as_its_description_spells_it() -> None:
    assert framework_name("fastapi", "FastAPI on uvicorn (uvloop)") == "FastAPI"
    assert framework_name("django", "Django 5.2 (ASGI, async views)") == "Django"
    assert framework_name("bottle", "") == "bottle"


def test_every_app_of_the_lab_has_a_label_that_fits_a_line_under_its_row() -> None:
    labels = {app.name: app.deployment for app in builtin_catalog().apps.values()}
    assert labels["django-wsgi"] == "Django · WSGI · gunicorn gthread ×64"
    assert labels["django"] == "Django · ASGI · uvicorn"
    assert labels["flask"] == "Flask · WSGI · gunicorn gevent"
    assert labels["fastapi-granian"] == "FastAPI · ASGI · granian"
    assert len(set(labels.values())) == len(labels)  # each deployment told apart
    assert max(len(label) for label in labels.values()) <= 60
    assert CEILING.deployment == "nginx"


def test_a_run_from_before_gets_its_labels_from_its_recorded_server() -> None:
    apps = {
        "flask": {"framework": "flask", "server": {"name": "gunicorn", "worker_class": "gevent"}},
        "django": {"framework": "django", "server": {"name": "uvicorn"}, "deployment": "D"},
        "odd": {"image": "odd"},
        "bad": "not an object",
    }
    assert recorded_deployments(apps) == {"flask": "flask · WSGI · gunicorn gevent", "django": "D"}


def test_an_aa_variant_is_its_apps_deployment() -> None:
    labels = {"aio": "aiohttp · gunicorn aiohttp worker"}
    assert deployment_of(labels, "aio:b") == labels["aio"]
    assert deployment_of(labels, "flask") == ""
