"""An app under test is a folder: its code, `requirements.in`, a hash lock and `app.toml`.

The manifest says which server starts the app and how, the variants of it (the same
image under another server, worker or event loop), and which scenarios it serves. The
lab reads nothing else from the folder (but, in a folder it derived at another version, its
own `lab-version.toml`: lab.model.versions): adding an app changes no file under `lab/`.

    description = "FastAPI on uvicorn (uvloop event loop, httptools parser)"
    framework = "fastapi"
    scenarios = ["hello", "hit"]
    [server]
    name = "uvicorn"
    target = "app:app"
    loop = "uvloop"
    http = "httptools"
    [variants.granian]
    description = "FastAPI on granian (ASGI, uvloop)"
    server = { name = "granian", target = "app:app", interface = "asgi", loop = "uvloop" }

A variant runs as `<folder>-<variant>` (`fastapi-granian`) from the folder's image.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lab.errors import UsageError
from lab.model.deployment import deployment_label, framework_name
from lab.model.endpoints import parse_endpoints
from lab.model.mix import mixes_of, serve_mixes
from lab.model.scenarios import SCENARIOS, Scenario
from lab.model.serverpackages import missing_packages
from lab.model.versions import VERSION_MANIFEST, Derivation, parse_derivation, version_app_name

MANIFEST = "app.toml"
# What the shared Dockerfile.app builds from; a folder may name its own top-level one.
SHARED_DOCKERFILE = "Dockerfile.app"
SERVERS = ("gunicorn", "uvicorn", "granian")
# The keys each server's table may hold besides name, target and args.
SERVER_KEYS: Mapping[str, frozenset[str]] = {
    "gunicorn": frozenset({"worker_class"}),
    "uvicorn": frozenset({"loop", "http"}),
    "granian": frozenset({"interface", "loop"}),
}
_NAME = re.compile(r"^[a-z0-9][a-z0-9_]*$")
_TARGET = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
# Files never sent to a build: caches and version-control or editor state.
_SKIPPED_PARTS = frozenset({"__pycache__", ".git", ".venv", "venv", ".mypy_cache", ".ruff_cache"})


@dataclass(frozen=True, slots=True)
class ServerSpec:
    """How to start an app: the server, what it imports, and its own knobs."""

    name: str
    target: str
    worker_class: str | None = None
    loop: str | None = None
    http: str | None = None
    interface: str | None = None
    args: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "target": self.target}
        for key in ("worker_class", "loop", "http", "interface"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.args:
            data["args"] = list(self.args)
        return data


@dataclass(frozen=True, slots=True)
class AppSpec:
    """A web app under test as a run names it: which image, and which server starts it."""

    name: str
    image: str
    server: ServerSpec
    description: str
    framework: str
    scenarios: tuple[str, ...]
    # The scenarios its manifest declares for its own endpoints (lab.model.endpoints).
    own_scenarios: tuple[Scenario, ...] = ()
    # (scenario, why): the lab's scenarios it cannot serve, in its manifest's words.
    not_served: tuple[tuple[str, str], ...] = ()

    @property
    def deployment(self) -> str:
        """Which deployment it is: "Flask · WSGI · gunicorn gevent" (model.deployment)."""
        name = framework_name(self.framework, self.description)
        return deployment_label(name, self.server.to_dict())

    def why_not(self, scenario: str) -> str | None:
        """Its manifest's reason for not serving `scenario`, if it gives one."""
        return dict(self.not_served).get(scenario)


@dataclass(frozen=True, slots=True)
class AppFolder:
    """One folder, one image; its apps are the base app and its variants."""

    name: str
    path: Path
    dockerfile: str
    framework: str
    apps: tuple[AppSpec, ...]
    files: tuple[str, ...]  # every file sent to the build, relative to `path`
    external: bool = False  # a user's folder given to --apps, not one of the lab's apps/
    # A folder the lab derived from another at another version (model.versions).
    derivation: Derivation | None = None

    @property
    def context_name(self) -> str:
        """Its place in the build context, apps/<context_name>/: a derived folder takes
        its source's, so that the same Dockerfile builds both alike."""
        return self.derivation.base if self.derivation else self.name


class ManifestError(UsageError):
    """An app folder whose manifest the lab cannot use."""


def parse_manifest(
    folder: str,
    text: str,
    scenarios: Iterable[str],
    where: str = MANIFEST,
    path: Path | None = None,
) -> tuple[str | None, str, tuple[AppSpec, ...]]:
    """(dockerfile or None, framework, apps) from the text of `folder`'s manifest.

    `scenarios` are the ones the lab knows, to which the manifest may add its own
    (`[endpoints]`, whose body files are read from `path`); naming another is refused.
    """
    if not _NAME.match(folder):
        raise ManifestError(
            f"app folder {folder!r}: not a usable app name",
            "name the folder with lower-case letters, digits and underscores",
        )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{where}: not valid TOML: {exc}", "fix its syntax") from exc
    _only(
        data,
        {
            "description",
            "framework",
            "scenarios",
            "server",
            "variants",
            "dockerfile",
            "endpoints",
            "not_served",
        },
        where,
    )
    reader = None if path is None else functools.partial(_body_file, path, where)
    own = parse_endpoints(data.get("endpoints", {}), where, reader)
    known = (*scenarios, *(scenario.name for scenario in own))
    framework = _text(data, "framework", where)
    served = _scenarios(data.get("scenarios", list(known)), known, where)
    not_served = _not_served(data.get("not_served", {}), known, served, where)
    # A mix is served where all of its parts are: said by the parts, not listed again.
    mixes = {name: mix for name, mix in mixes_of(SCENARIOS.values()).items() if name in known}
    served, not_served, unmixed = serve_mixes(mixes, served, not_served)
    if unmixed is not None:
        raise ManifestError(f"{where}: {unmixed}", "list every part of the mix, or leave it out")
    description = _text(data, "description", where)
    dockerfile = data.get("dockerfile")
    if dockerfile is not None and (not isinstance(dockerfile, str) or "/" in dockerfile):
        raise ManifestError(
            f"{where}: dockerfile {dockerfile!r} is not a file name at the lab's top level",
            f"leave it out to use {SHARED_DOCKERFILE}",
        )
    apps = [
        AppSpec(
            folder,
            folder,
            _server(data.get("server"), f"{where} [server]"),
            description,
            framework,
            served,
            own,
            not_served,
        )
    ]
    variants = data.get("variants", {})
    if not isinstance(variants, dict):
        raise ManifestError(f"{where}: [variants] must be a table", "see apps/fastapi/app.toml")
    for variant, table in variants.items():
        at = f"{where} [variants.{variant}]"
        if not _NAME.match(variant) or not isinstance(table, dict):
            raise ManifestError(f"{at}: not a usable variant", "name it in lower case, as a table")
        _only(table, {"description", "server"}, at)
        apps.append(
            AppSpec(
                f"{folder}-{variant}",
                folder,
                _server(table.get("server"), f"{at} server"),
                _text(table, "description", at),
                framework,
                served,
                own,
                not_served,
            )
        )
    return dockerfile, framework, tuple(apps)


def _body_file(folder: Path, where: str, name: str) -> str:
    """A request body from a text file of the app folder."""
    path = (folder / name).resolve()
    if not path.is_relative_to(folder.resolve()) or not path.is_file():
        raise ManifestError(f"{where}: body_file {name!r} is not a file of {folder}", "add it")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ManifestError(
            f"{where}: body_file {name!r} is not UTF-8 text", "send a text body"
        ) from exc


def _only(data: Mapping[str, Any], allowed: set[str] | frozenset[str], where: str) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ManifestError(
            f"{where}: unknown key {unknown[0]!r}", f"keys are: {', '.join(sorted(allowed))}"
        )


def _text(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ManifestError(f"{where}: {key} is missing or empty", f"give {key} as a string")
    return value.strip()


def _scenarios(value: Any, known: tuple[str, ...], where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ManifestError(f"{where}: scenarios must be a list of names", f"from {known}")
    for name in value:
        if name not in known:
            raise ManifestError(
                f"{where}: unknown scenario {name!r}", f"the lab knows: {', '.join(known)}"
            )
    return tuple(value)


def _not_served(
    value: Any, known: tuple[str, ...], served: tuple[str, ...], where: str
) -> tuple[tuple[str, str], ...]:
    """`[not_served]`: scenario = "why", for a lab scenario the app leaves out."""
    at = f"{where} [not_served]"
    if not isinstance(value, dict):
        raise ManifestError(f"{at}: must be a table", 'e.g. io = "no async I/O in this server"')
    for name, why in value.items():
        if name not in known or name in served:
            raise ManifestError(
                f"{at}: {name!r} is {'served' if name in served else 'not a scenario'}",
                "list there only scenarios the app leaves out of `scenarios`",
            )
        if not isinstance(why, str) or not why.strip():
            raise ManifestError(f"{at}: {name} needs a reason", 'give it as text: io = "why"')
    return tuple((name, why.strip()) for name, why in value.items())


def _server(value: Any, where: str) -> ServerSpec:
    if not isinstance(value, dict):
        raise ManifestError(f"{where}: missing", "give the server's name and target")
    name = value.get("name")
    if name not in SERVERS:
        raise ManifestError(
            f"{where}: unknown server {name!r}", f"the lab starts: {', '.join(SERVERS)}"
        )
    _only(value, {"name", "target", "args"} | SERVER_KEYS[name], where)
    target = _text(value, "target", where)
    if not _TARGET.match(target):
        raise ManifestError(f"{where}: target {target!r} is not module:attribute", "e.g. app:app")
    args = value.get("args", [])
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise ManifestError(f"{where}: args must be a list of strings", 'e.g. ["--flag", "1"]')
    knobs = {key: _text(value, key, where) for key in SERVER_KEYS[name] if key in value}
    return ServerSpec(name=name, target=target, args=tuple(args), **knobs)


def folder_files(path: Path) -> tuple[str, ...]:
    """Every file of an app folder that goes into its image's build, sorted."""
    found = []
    for item in sorted(path.rglob("*")):
        relative = item.relative_to(path)
        skipped = _SKIPPED_PARTS.intersection(relative.parts) or item.name.endswith((".pyc", "~"))
        skipped = skipped or relative.as_posix() == VERSION_MANIFEST
        if item.is_file() and not skipped:
            found.append(relative.as_posix())
    return tuple(found)


def read_folder(path: Path, scenarios: Iterable[str], external: bool = False) -> AppFolder:
    """The app folder at `path`, its manifest checked."""
    manifest = path / MANIFEST
    if not manifest.is_file():
        raise ManifestError(
            f"app folder {path}: no {MANIFEST}",
            f"give a folder holding {MANIFEST} (see apps/fastapi/{MANIFEST})",
        )
    name = path.resolve().name
    derived = path / VERSION_MANIFEST
    derivation = parse_derivation(derived.read_text(), str(derived)) if derived.is_file() else None
    dockerfile, framework, apps = parse_manifest(
        derivation.base if derivation else name,
        manifest.read_text(),
        scenarios,
        str(manifest),
        path,
    )
    _check_server_packages(path, apps)
    if derivation is not None:
        # Named for the version they are, run from the derived folder's own image.
        apps = tuple(
            replace(app, name=version_app_name(app.name, derivation.spec), image=name)
            for app in apps
        )
    return AppFolder(
        name=name,
        path=path.resolve(),
        dockerfile=dockerfile or SHARED_DOCKERFILE,
        framework=framework,
        apps=apps,
        files=folder_files(path),
        external=external,
        derivation=derivation,
    )


def _check_server_packages(path: Path, apps: tuple[AppSpec, ...]) -> None:
    """Refused before any build: a server (or its worker or loop) the folder does not
    install, named with the package to add (lab.model.serverpackages)."""
    for name in ("requirements.lock", "requirements.in"):
        requirements = path / name
        if requirements.is_file():
            break
    else:
        return  # the build says a folder needs requirements (lab.images.build)
    locked = name.endswith(".lock")
    missing = missing_packages(apps, requirements.read_text(), locked=locked)
    if missing:
        app, package = missing[0]
        raise ManifestError(
            f"{path / MANIFEST}: {app}'s server needs {package}, which {requirements} does"
            " not list",
            f"add {package} to {requirements.with_suffix('.in')}"
            + (" and lock it again (`make lock`)" if locked else ""),
        )


def discover(apps_dir: Path, scenarios: Iterable[str]) -> tuple[AppFolder, ...]:
    """Every app folder under `apps_dir`: the subfolders that hold a manifest."""
    known = tuple(scenarios)
    return tuple(
        read_folder(child, known)
        for child in sorted(apps_dir.iterdir())
        if child.is_dir() and (child / MANIFEST).is_file()
    )
