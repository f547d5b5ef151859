"""The same endpoints as app.py on Django's WSGI handler with sync views: the
deployment most Django sites run, gunicorn's threaded worker (app.toml's `wsgi`
variant, 64 threads as flask-granian has, one per Redis connection).

A view holds its thread for the whole request: a Redis round trip on redis-py's sync
client, and in `GET /io` the whole wait (`time.sleep`), which is what this deployment
costs under slow I/O. This module is the WSGI deployment's settings module and URLconf;
the settings themselves are in common.py.
"""

import json
import logging
import os
import random
import time
from operator import attrgetter

import django
import redis
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
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.template.loader import render_to_string
from django.urls import path
from django.views.decorators.http import require_POST, require_safe
from redis.backoff import NoBackoff
from redis.retry import Retry

os.environ.setdefault("DJANGO_SETTINGS_MODULE", __name__)
ROOT_URLCONF = __name__
# Every setting is defined by now (this module is the settings module): set Django up, so
# that the models of the bench app can be imported.
django.setup()

from bench.models import Fortune, World  # noqa: E402 - models need Django set up

LOG = logging.getLogger("gunicorn.error")

# Thread-safe: each thread takes its own connection from the pool for a command.
_redis = redis.Redis(
    connection_pool=redis.BlockingConnectionPool.from_url(
        redis_url(),
        **redis_pool_options(),
        # No retries: with Redis down, /hit must answer 503 at once rather than back off.
        retry=Retry(NoBackoff(), 0),
    )
)


@require_safe
def hello(_request: HttpRequest) -> HttpResponse:
    return response(HELLO, TEXT)


@require_safe
def hit(_request: HttpRequest) -> HttpResponse:
    try:
        count = _redis.incr(COUNTER_KEY)
    except redis.RedisError as exc:
        # One line per failure on stderr: the lab keeps the log of a trial with errors.
        LOG.warning("/hit answered 503: %s: %s", type(exc).__name__, exc)
        return response(unavailable(exc), "application/json", status=503)
    return response(json.dumps({"hit": count}).encode(), "application/json")


@require_safe
def order(_request: HttpRequest) -> HttpResponse:
    return sized(JsonResponse(PAYLOAD))


@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    # request.body reads the whole body from the WSGI input (DATA_UPLOAD_MAX_MEMORY_SIZE,
    # 2.5 MB, is above the largest upload).
    return sized(JsonResponse(digest(request.body)))


@require_safe
def io(request: HttpRequest) -> HttpResponse:
    ms = wait_ms(request.GET)
    if ms is None:
        return sized(HttpResponseBadRequest(f"ms must be an integer from 0 to {IO_MAX_MS}"))
    # Blocking: the thread waits, as a sync view waiting on an upstream does.
    time.sleep(ms / 1000)
    return response(HELLO, TEXT)


@require_safe
def single_query(_request: HttpRequest) -> HttpResponse:
    world = World.objects.get(id=random.randint(1, WORLD_ROWS))
    return sized(JsonResponse(world_row(world)))


@require_safe
def queries(request: HttpRequest) -> HttpResponse:
    rows = [
        world_row(World.objects.get(id=random.randint(1, WORLD_ROWS)))
        for _ in range(queries_count(request.GET))
    ]
    return sized(JsonResponse(rows, safe=False))


@require_safe
def fortunes(_request: HttpRequest) -> HttpResponse:
    rows = list(Fortune.objects.all())
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

application = get_wsgi_application()
