"""The article's two endpoints on Django, served by uvicorn over ASGI (uvloop, httptools).

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

import json
import logging
import os

import redis
import redis.asyncio
from django.core.asgi import get_asgi_application
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_safe
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
MIDDLEWARE: list[str] = []

HELLO = b"Hello, world!"
COUNTER_KEY = os.environ.get("COUNTER_KEY", "lab:hits")
LOG = logging.getLogger("uvicorn.error")

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


def response(body: bytes, content_type: str, status: int = 200) -> HttpResponse:
    answer = HttpResponse(body, content_type=content_type, status=status)
    # What CommonMiddleware would add: without it uvicorn sends the body chunked,
    # unlike every other app in the lab.
    answer["Content-Length"] = str(len(body))
    return answer


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


urlpatterns = [path("", hello), path("hit", hit)]

app = get_asgi_application()
