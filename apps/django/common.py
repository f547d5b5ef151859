"""What the two deployments of this app share: the Django settings, the bytes they
answer, and the Redis pool's parameters. Django is not set up here: each entry point
(app.py over ASGI, wsgi_app.py over WSGI) is its own settings module and URLconf, and
sets Django up itself."""

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from django.http import HttpResponse

# Settings, imported by each entry point (Django reads its settings module's upper-case
# names, imported ones included).
DEBUG = False
ALLOWED_HOSTS = ["*"]
# A fixed benchmark value, not a secret: nothing here signs anything (no sessions,
# no cookies, no middleware).
SECRET_KEY = "benchmark-lab-not-a-secret"
INSTALLED_APPS: list[str] = []
# No CsrfViewMiddleware either: POST /upload needs no token.
MIDDLEWARE: list[str] = []

HELLO = b"Hello, world!"
TEXT = "text/plain; charset=utf-8"
COUNTER_KEY = os.environ.get("COUNTER_KEY", "lab:hits")
# Copied beside this module into every image from apps/payload.json; read once, served
# as a dict that JsonResponse serialises per request.
PAYLOAD = json.loads(Path(__file__).with_name("payload.json").read_bytes())
IO_MAX_MS = 1000


def redis_pool_options() -> dict[str, Any]:
    """A blocking pool's settings: under more concurrent requests than connections, a
    request waits for a free connection instead of failing."""
    return {
        "max_connections": int(os.environ.get("REDIS_MAX_CONNECTIONS", "64")),
        "timeout": float(os.environ.get("REDIS_POOL_TIMEOUT", "5")),
        "socket_connect_timeout": float(os.environ.get("REDIS_CONNECT_TIMEOUT", "1")),
        "socket_timeout": float(os.environ.get("REDIS_SOCKET_TIMEOUT", "2")),
    }


def redis_url() -> str:
    return os.environ.get("REDIS_URL", "redis://redis:6379/0")


def unavailable(exc: Exception) -> bytes:
    """The /hit body when Redis fails."""
    reason = f"{type(exc).__name__}: {exc}"
    return json.dumps({"error": "redis unavailable", "reason": reason}).encode()


def digest(body: bytes) -> dict[str, Any]:
    """The /upload answer: the body's length and SHA-256."""
    return {"length": len(body), "sha256": hashlib.sha256(body).hexdigest()}


def wait_ms(query: Any) -> int | None:
    """The /io wait from the query's `ms`, or None when it is missing or out of range."""
    try:
        ms = int(query["ms"])
    except (KeyError, ValueError):
        return None
    return ms if 0 <= ms <= IO_MAX_MS else None


def sized(answer: HttpResponse) -> HttpResponse:
    # What CommonMiddleware would add: without it the servers send the body chunked,
    # unlike every other app in the lab.
    answer["Content-Length"] = str(len(answer.content))
    return answer


def response(body: bytes, content_type: str, status: int = 200) -> HttpResponse:
    return sized(HttpResponse(body, content_type=content_type, status=status))
