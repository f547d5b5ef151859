"""Is the server a manifest names installed by its folder's requirements? Asked before any
build, so that a missing server is one line naming the package, not an engine error
("exec: gunicorn: executable file not found") in every trial.

What a server needs: its own package, and the package of each knob that loads one: a
gunicorn `worker_class` that is a package of its own (`gevent`, `eventlet`), a `loop`
(`uvloop`) and an `http` parser (`httptools`). A dotted worker class
(`aiohttp.GunicornWebWorker`) lives in the app's framework, which its import checks.

A lock lists everything the image installs, so all of them are checked against it. A
requirements.in lists only what the user asked for, whose extras bring more
(`uvicorn[standard]` brings uvloop and httptools): against it only the server itself is
checked, so that nothing installed is ever refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from lab.model.versions import normalize

if TYPE_CHECKING:  # lab.model.appfolder reads manifests with this module's check
    from lab.model.appfolder import AppSpec

_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
# Knob values that are the event loop or parser of the server's own, needing no package.
_BUILT_IN = frozenset({"auto", "asyncio", "h11", "rloop", "sync", "gthread"})


def required_names(text: str) -> frozenset[str]:
    """The normalized project names a requirements file (.in or .lock) lists."""
    names: set[str] = set()
    for line in text.splitlines():
        if line.lstrip().startswith(("#", "-")):
            continue
        match = _REQUIREMENT.match(line)
        if match:
            names.add(normalize(match.group(1)))
    return frozenset(names)


def packages_needed(app: AppSpec) -> tuple[str, ...]:
    """The packages `app`'s server and its knobs need installed."""
    server = app.server
    knobs = (server.worker_class, server.loop, server.http)
    needed = [server.name]
    needed += [k for k in knobs if k and "." not in k and k not in _BUILT_IN]
    return tuple(dict.fromkeys(needed))


def missing_packages(
    apps: Iterable[AppSpec], requirements: str, *, locked: bool
) -> list[tuple[str, str]]:
    """(app, package) for every package an app's server needs that `requirements` (a
    lock when `locked`, else a requirements.in: see the module's doc) lacks."""
    names = required_names(requirements)
    return [
        (app.name, package)
        for app in apps
        for package in (packages_needed(app) if locked else (app.server.name,))
        if normalize(package) not in names
    ]
