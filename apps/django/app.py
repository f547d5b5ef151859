"""The lab's endpoints on Django, served by uvicorn over ASGI (uvloop, httptools).

`GET /` says hello, `GET /hit` increments a Redis counter, `GET /json` returns the
order in payload.json, `POST /upload` answers the length and SHA-256 of the body,
and `GET /io?ms=N` waits N ms on the event loop (a slow upstream) and says hello.

One module is the whole project: it is its own settings module and URLconf,
with no installed apps and no middleware. The views are `async def` and use
`redis.asyncio`, so they run on the event loop like the other ASGI apps. Under
ASGI, Django runs a sync view through `sync_to_async(thread_sensitive=True)` on
a thread of its own per request, and a sync Redis client would hold that thread
for the whole round trip. (Django's ASGI handler still sends its sync request
signals through such a per-request thread: that cost is Django's own.) Django's
ASGI handler has no lifespan hook, so the Redis pool is created lazily, on the
first /hit, inside the running loop.
"""

import asyncio
import hashlib
import json
import logging
import os
from pathlib import Path

import redis
import redis.asyncio
from django.core.asgi import get_asgi_application
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.urls import path
from django.views.decorators.http import require_POST, require_safe
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

# Settings: this module is DJANGO_SETTINGS_MODULE (Django reads its upper-case names).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", __name__)
DEBUG = False
ALLOWED_HOSTS = ["*"]
# A fixed benchmark value, not a secret: nothing here signs anything (no sessions,
# no cookies, no middleware).
SECRET_KEY = "benchmark-lab-not-a-secret"
ROOT_URLCONF = __name__
INSTALLED_APPS: list[str] = []
# No CsrfViewMiddleware either: POST /upload needs no token.
MIDDLEWARE: list[str] = []

HELLO = b"Hello, world!"
COUNTER_KEY = os.environ.get("COUNTER_KEY", "lab:hits")
LOG = logging.getLogger("uvicorn.error")
# Copied beside this module into every image from apps/payload.json; read once, served
# as a dict that JsonResponse serialises per request.
PAYLOAD = json.loads(Path(__file__).with_name("payload.json").read_bytes())
IO_MAX_MS = 1000

_redis: redis.asyncio.Redis | None = None


def redis_client() -> redis.asyncio.Redis:
    # Created on first use inside the running loop (no await in here, so two
    # first requests cannot both create one).
    global _redis
    if _redis is None:
        # Blocking pool: under more concurrent requests than connections, a request
        # waits for a free connection instead of failing with MaxConnectionsError.
        pool = redis.asyncio.BlockingConnectionPool.from_url(
            os.environ.get("REDIS_URL", "redis://redis:6379/0"),
            max_connections=int(os.environ.get("REDIS_MAX_CONNECTIONS", "64")),
            timeout=float(os.environ.get("REDIS_POOL_TIMEOUT", "5")),
            socket_connect_timeout=float(os.environ.get("REDIS_CONNECT_TIMEOUT", "1")),
            socket_timeout=float(os.environ.get("REDIS_SOCKET_TIMEOUT", "2")),
            # No retries: with Redis down, /hit must answer 503 at once rather than back off.
            retry=Retry(NoBackoff(), 0),
        )
        _redis = redis.asyncio.Redis(connection_pool=pool)
    return _redis


def sized(answer: HttpResponse) -> HttpResponse:
    # What CommonMiddleware would add: without it uvicorn sends the body chunked,
    # unlike every other app in the lab.
    answer["Content-Length"] = str(len(answer.content))
    return answer


def response(body: bytes, content_type: str, status: int = 200) -> HttpResponse:
    return sized(HttpResponse(body, content_type=content_type, status=status))


@require_safe
async def hello(_request: HttpRequest) -> HttpResponse:
    return response(HELLO, "text/plain; charset=utf-8")


@require_safe
async def hit(_request: HttpRequest) -> HttpResponse:
    try:
        count = await redis_client().incr(COUNTER_KEY)
    except redis.RedisError as exc:
        # One line per failure on stderr: the lab keeps the log of a trial with errors.
        LOG.warning("/hit answered 503: %s: %s", type(exc).__name__, exc)
        body = json.dumps({"error": "redis unavailable", "reason": f"{type(exc).__name__}: {exc}"})
        return response(body.encode(), "application/json", status=503)
    return response(json.dumps({"hit": count}).encode(), "application/json")


@require_safe
async def order(_request: HttpRequest) -> HttpResponse:
    return sized(JsonResponse(PAYLOAD))


@require_POST
async def upload(request: HttpRequest) -> HttpResponse:
    # Django's ASGI handler has read the whole body (in memory up to
    # FILE_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB) before the view runs, so request.body does no
    # I/O on the loop. DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) caps request.body too, not only
    # forms: above the largest upload (1,000,000 bytes).
    body = request.body
    return sized(JsonResponse({"length": len(body), "sha256": hashlib.sha256(body).hexdigest()}))


@require_safe
async def io(request: HttpRequest) -> HttpResponse:
    try:
        ms = int(request.GET["ms"])
    except (KeyError, ValueError):
        ms = -1
    if not 0 <= ms <= IO_MAX_MS:
        return sized(HttpResponseBadRequest(f"ms must be an integer from 0 to {IO_MAX_MS}"))
    # Cooperative: the event loop serves other requests while this one waits.
    await asyncio.sleep(ms / 1000)
    return response(HELLO, "text/plain; charset=utf-8")


urlpatterns = [
    path("", hello),
    path("hit", hit),
    path("json", order),
    path("upload", upload),
    path("io", io),
]

app = get_asgi_application()
