"""The apps and scenarios the lab knows how to run.

Scenarios are the lab's (lab.model.scenarios) and the apps' own endpoints, declared in
their manifests (lab.model.endpoints). Apps are found, not listed here:
every folder of the checkout's apps/ that holds an `app.toml` (see model.appfolder), plus
any folder a user gives `--apps`. Every name a user types is checked against the catalog
before anything starts.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from lab.errors import UsageError
from lab.model.appfolder import AppFolder, AppSpec, ServerSpec, discover, read_folder
from lab.model.fairness import check_args
from lab.model.scenarios import SCENARIOS, Scenario
from lab.paths import ROOT

# Not an app under test: the harness ceiling, a static server answering `GET /` with
# the apps' exact bytes, measured in the app's placement (see Dockerfile.nginx). It
# starts with its image's own command.
CEILING = AppSpec(
    name="nginx",
    image="nginx",
    server=ServerSpec(name="nginx", target="-"),
    description="Debian's nginx answering the same text: the harness ceiling",
    framework="nginx",
    scenarios=("hello",),
)

APPS_DIR = ROOT / "apps"
# `--apps all` begins with the article's two, so that flask stays the baseline.
FIRST = ("flask", "aio")


@dataclass(frozen=True)
class Catalog:
    """The app folders a run may use, and the apps (base and variants) they hold."""

    folders: tuple[AppFolder, ...]

    def __post_init__(self) -> None:
        # Refused as the manifests are read, before any plan or run: fair by construction.
        for folder in self.folders:
            for app in folder.apps:
                check_args(app)

    @functools.cached_property
    def apps(self) -> Mapping[str, AppSpec]:
        return MappingProxyType({app.name: app for folder in self.folders for app in folder.apps})

    def app(self, name: str) -> AppSpec:
        """The app, or the ceiling server, that a trial's app name stands for."""
        base = name.split(":", 1)[0]  # A/A variants are `aio:a` and `aio:b`
        return CEILING if base == CEILING.name else self.apps[base]

    @functools.cached_property
    def scenarios(self) -> Mapping[str, Scenario]:
        """The lab's scenarios, then the apps' own (a name two folders declare is refused
        as their folders are read: Catalog.with_folders)."""
        own = {s.name: s for app in self.apps.values() for s in app.own_scenarios}
        return MappingProxyType({**SCENARIOS, **own})

    def scenario(self, name: str) -> Scenario:
        """The scenario a trial's scenario name stands for."""
        return self.scenarios[name]

    def folder(self, image: str) -> AppFolder:
        for folder in self.folders:
            if folder.name == image:
                return folder
        raise KeyError(f"no app folder {image!r}")

    def everything(self) -> tuple[str, ...]:
        """What `--apps all` stands for: the lab's own apps, flask and aio first."""
        own = [app.name for folder in self.folders if not folder.external for app in folder.apps]
        return tuple(n for n in FIRST if n in own) + tuple(sorted(n for n in own if n not in FIRST))

    def with_folders(self, paths: Iterable[Path]) -> Catalog:
        """This catalog and the user's app folders; a name the lab already has is refused."""
        folders = list(self.folders)
        for path in paths:
            folder = read_folder(path, SCENARIOS, external=True)
            taken = {app.name for known in folders for app in known.apps} | {CEILING.name}
            clash = [app.name for app in folder.apps if app.name in taken]
            if clash or any(known.name == folder.name for known in folders):
                name = clash[0] if clash else folder.name
                raise UsageError(
                    f"--apps {path}: the app name {name!r} is taken",
                    "rename the folder (its name is the app's name)",
                )
            # One name, one scenario: a folder at another version may declare it again alike.
            declared = {s.name: s for known in folders for s in known.apps[0].own_scenarios}
            for scenario in folder.apps[0].own_scenarios:
                if declared.get(scenario.name, scenario) != scenario:
                    raise UsageError(
                        f"--apps {path}: the scenario name {scenario.name!r} is another app"
                        " folder's, declared otherwise there",
                        "rename the scenario in one of the [endpoints] tables",
                    )
            folders.append(folder)
        return Catalog(tuple(folders))


@functools.cache
def builtin_catalog(apps_dir: Path = APPS_DIR) -> Catalog:
    """The lab's own apps: every folder of `apps_dir` with a manifest."""
    return Catalog(discover(apps_dir, SCENARIOS))
