"""The lab's endpoints on Django, served by uvicorn over ASGI (uvloop, httptools).

`GET /` says hello, `GET /hit` increments a Redis counter, `GET /json` returns the
order in payload.json, `POST /upload` answers the length and SHA-256 of the body,
and `GET /io?ms=N` waits N ms on the event loop (a slow upstream) and says hello.

This module is the ASGI deployment's settings module and URLconf (the settings
themselves are in common.py, shared with wsgi_app.py, the WSGI deployment), with no
installed apps and no middleware. The views are `async def` and use
`redis.asyncio`, so they run on the event loop like the other ASGI apps. Under
ASGI, Django runs a sync view through `sync_to_async(thread_sensitive=True)` on
a thread of its own per request, and a sync Redis client would hold that thread
for the whole round trip. (Django's ASGI handler still sends its sync request
signals through such a per-request thread: that cost is Django's own.) Django's
ASGI handler has no lifespan hook, so the Redis pool is created lazily, on the
first /hit, inside the running loop.
"""

import asyncio
import json
import logging
import os
import random
from operator import attrgetter

import django
import redis
import redis.asyncio
from common import (  # noqa: F401 - the settings Django reads from this module
    ADDED_FORTUNE,
    ALLOWED_HOSTS,
    COUNTER_KEY,
    DATABASES,
    DEBUG,
    HELLO,
    INSTALLED_APPS,
    IO_MAX_MS,
    MIDDLEWARE,
    PAYLOAD,
    SECRET_KEY,
    TEMPLATES,
    TEXT,
    WORLD_ROWS,
    digest,
    queries_count,
    redis_pool_options,
    redis_url,
    response,
    sized,
    unavailable,
    wait_ms,
    world_row,
)
from django.core.asgi import get_asgi_application
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.template.loader import render_to_string
from django.urls import path
from django.views.decorators.http import require_POST, require_safe
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

os.environ.setdefault("DJANGO_SETTINGS_MODULE", __name__)
ROOT_URLCONF = __name__
# Every setting is defined by now (this module is the settings module): set Django up, so
# that the models of the bench app can be imported.
django.setup()

from bench.models import Fortune, World  # noqa: E402 - models need Django set up

LOG = logging.getLogger("uvicorn.error")

_redis: redis.asyncio.Redis | None = None


def redis_client() -> redis.asyncio.Redis:
    # Created on first use inside the running loop (no await in here, so two
    # first requests cannot both create one).
    global _redis
    if _redis is None:
        pool = redis.asyncio.BlockingConnectionPool.from_url(
            redis_url(),
            **redis_pool_options(),
            # No retries: with Redis down, /hit must answer 503 at once rather than back off.
            retry=Retry(NoBackoff(), 0),
        )
        _redis = redis.asyncio.Redis(connection_pool=pool)
    return _redis


@require_safe
async def hello(_request: HttpRequest) -> HttpResponse:
    return response(HELLO, TEXT)


@require_safe
async def hit(_request: HttpRequest) -> HttpResponse:
    try:
        count = await redis_client().incr(COUNTER_KEY)
    except redis.RedisError as exc:
        # One line per failure on stderr: the lab keeps the log of a trial with errors.
        LOG.warning("/hit answered 503: %s: %s", type(exc).__name__, exc)
        return response(unavailable(exc), "application/json", status=503)
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
    return sized(JsonResponse(digest(request.body)))


@require_safe
async def io(request: HttpRequest) -> HttpResponse:
    ms = wait_ms(request.GET)
    if ms is None:
        return sized(HttpResponseBadRequest(f"ms must be an integer from 0 to {IO_MAX_MS}"))
    # Cooperative: the event loop serves other requests while this one waits.
    await asyncio.sleep(ms / 1000)
    return response(HELLO, TEXT)


@require_safe
async def single_query(_request: HttpRequest) -> HttpResponse:
    # The async ORM: Django runs the query through sync_to_async, on its one thread for
    # sync code (thread_sensitive), the loop waiting meanwhile.
    world = await World.objects.aget(id=random.randint(1, WORLD_ROWS))
    return sized(JsonResponse(world_row(world)))


@require_safe
async def queries(request: HttpRequest) -> HttpResponse:
    rows = [
        world_row(await World.objects.aget(id=random.randint(1, WORLD_ROWS)))
        for _ in range(queries_count(request.GET))
    ]
    return sized(JsonResponse(rows, safe=False))


@require_safe
async def fortunes(_request: HttpRequest) -> HttpResponse:
    rows = [fortune async for fortune in Fortune.objects.all()]
    rows.append(Fortune(id=0, message=ADDED_FORTUNE))
    rows.sort(key=attrgetter("message"))
    return sized(HttpResponse(render_to_string("fortunes.html", {"fortunes": rows})))


urlpatterns = [
    path("", hello),
    path("hit", hit),
    path("json", order),
    path("upload", upload),
    path("io", io),
    path("db", single_query),
    path("queries", queries),
    path("fortunes", fortunes),
]

app = get_asgi_application()
