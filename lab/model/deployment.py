"""Which deployment an app is, in a few words: framework · interface · server and worker.

Two apps of one framework may be two deployments (Django on ASGI and uvicorn, Django on
WSGI and gunicorn's threads), and an app's name alone need not say which. The label is
made from the manifest's facts, the `[server]` table as run.json records it, so that a
run written before labels were recorded gets the same one from its own facts:

    Django · WSGI · gunicorn gthread     (then its threads per worker, when set)
    FastAPI · ASGI · granian
    aiohttp · gunicorn aiohttp worker      (its own protocol: no interface named)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

SEPARATOR = " \N{MIDDLE DOT} "
TIMES = "\N{MULTIPLICATION SIGN}"
# gunicorn's own worker classes serve WSGI.
WSGI_WORKERS = frozenset({"sync", "gthread", "gevent", "eventlet", "tornado"})
# The flags that set a server's threads per worker: gunicorn's, granian's.
THREAD_FLAGS = ("--threads", "--blocking-threads")


def framework_name(framework: str, description: str = "") -> str:
    """The framework as its description spells it (`fastapi` → FastAPI), else as given."""
    for word in re.findall(r"[\w.-]+", description):
        if word.lower() == framework.lower():
            return str(word)
    return framework


def deployment_label(framework: str, server: Mapping[str, Any]) -> str:
    """framework · interface · server and worker, e.g. "Flask · WSGI · gunicorn gevent".

    `framework` as it should read; `server` the app's `[server]` table (name, worker_class,
    interface, args), as ServerSpec.to_dict() and run.json's effective.apps hold it."""
    name = str(server.get("name") or "")
    if not name or name == framework.lower():
        return framework  # the ceiling's nginx: a server, no framework on it
    args = [str(arg) for arg in server.get("args") or ()]
    interface, worker = _interface_and_worker(name, server, args)
    threads = _threads(args)
    serving = " ".join(part for part in (name, worker) if part)
    if threads:
        serving += f" {TIMES}{threads}"
    return SEPARATOR.join(part for part in (framework, interface, serving) if part)


def recorded_deployments(apps: Mapping[str, Any]) -> dict[str, str]:
    """Each app's label from run.json's `effective.apps`: the one recorded, or, for a run
    from before, one made from its recorded framework and server. Apps without either
    are left out."""
    found: dict[str, str] = {}
    for app, facts in apps.items():
        if not isinstance(facts, Mapping):
            continue
        label = facts.get("deployment")
        if isinstance(label, str) and label:
            found[str(app)] = label
        elif isinstance(facts.get("server"), Mapping) and isinstance(facts.get("framework"), str):
            found[str(app)] = deployment_label(facts["framework"], facts["server"])
    return found


def deployment_of(deployments: Mapping[str, str], app: str) -> str:
    """An app's label; an A/A variant (`aio:a`) is its app's; "" when none is known."""
    return deployments.get(app) or deployments.get(app.split(":", 1)[0], "")


def _interface_and_worker(name: str, server: Mapping[str, Any], args: list[str]) -> tuple[str, str]:
    if name == "gunicorn":
        worker = str(server.get("worker_class") or "sync")
        if "." not in worker:
            return ("WSGI" if worker in WSGI_WORKERS else "", worker)
        package = worker.split(".", 1)[0]  # a package's own worker: uvicorn's, aiohttp's
        if package == "uvicorn":
            return "ASGI", "uvicorn worker"
        loop = " (uvloop)" if "uvloop" in worker.lower() else ""
        return "", f"{package} worker{loop}"
    if name == "granian":
        return str(server.get("interface") or "rsgi").upper(), ""
    if name == "uvicorn":
        return _flag_value(args, "--interface", "asgi").upper().replace("ASGI3", "ASGI"), ""
    return "", ""


def _threads(args: list[str]) -> str:
    for flag in THREAD_FLAGS:
        value = _flag_value(args, flag, "")
        if value:
            return value
    return ""


def _flag_value(args: list[str], flag: str, default: str) -> str:
    for n, arg in enumerate(args):
        if arg == flag and n + 1 < len(args):
            return args[n + 1]
        if arg.startswith(flag + "="):
            return arg.split("=", 1)[1]
    return default
