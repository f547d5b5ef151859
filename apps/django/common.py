"""What the two deployments of this app share: the Django settings, the bytes they
answer, and the Redis pool's parameters. Django is not set up here: each entry point
(app.py over ASGI, wsgi_app.py over WSGI) is its own settings module and URLconf, and
sets Django up itself."""

import hashlib
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.http import HttpResponse

# Settings, imported by each entry point (Django reads its settings module's upper-case
# names, imported ones included).
DEBUG = False
ALLOWED_HOSTS = ["*"]
# A fixed benchmark value, not a secret: nothing here signs anything (no sessions,
# no cookies, no middleware).
SECRET_KEY = "benchmark-lab-not-a-secret"
# bench: the models of the db scenarios' tables (bench/models.py).
INSTALLED_APPS: list[str] = ["bench"]
# No CsrfViewMiddleware either: POST /upload needs no token.
MIDDLEWARE: list[str] = []
# The fortunes page, templates/fortunes.html, in Django's own template language (which
# escapes every variable).
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).with_name("templates")],
    }
]

HELLO = b"Hello, world!"
TEXT = "text/plain; charset=utf-8"
COUNTER_KEY = os.environ.get("COUNTER_KEY", "lab:hits")
# Copied beside this module into every image from apps/payload.json; read once, served
# as a dict that JsonResponse serialises per request.
PAYLOAD = json.loads(Path(__file__).with_name("payload.json").read_bytes())
IO_MAX_MS = 1000
WORLD_ROWS = 10_000
QUERIES_MAX = 500
ADDED_FORTUNE = "Additional fortune added at request time."


def database(url: str, pool_size: int) -> dict[str, Any]:
    """Django's settings of the database at `url` (postgresql://user[:password]@host:port/name)
    through psycopg 3 and Django's pool (Django >= 5.1): at most `pool_size` connections,
    each taken from the pool for a request and given back when it ends (so CONN_MAX_AGE
    stays 0)."""
    parts = urlsplit(url)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parts.path.lstrip("/"),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or 5432),
        # A request waits at most 5 s for a connection, as for Redis's.
        "OPTIONS": {"pool": {"max_size": pool_size, "timeout": 5.0}},
    }


DATABASES = {
    "default": database(
        os.environ.get("DATABASE_URL", "postgresql://lab@postgres:5432/lab"),
        int(os.environ.get("DB_POOL_SIZE", "64")),
    )
}


def queries_count(query: Any) -> int:
    """The /queries count from the query's `n`: 1 when missing or not an integer, else
    clamped to 1..500."""
    try:
        n = int(query["n"])
    except (KeyError, ValueError):
        return 1
    return min(max(n, 1), QUERIES_MAX)


def world_row(world: Any) -> dict[str, int]:
    """A World row as the db scenarios answer it."""
    return {"id": world.id, "randomNumber": world.randomnumber}


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
