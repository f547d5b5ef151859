"""apps/aio with a regression: the same app, each request burning a fixed bit of CPU.

The gate's worked example (docs/gate.md): `python -m lab gate aio docs/examples/aio_burn`
must call it regressed. Everything else is apps/aio/app.py as it is, the same lock and the
same server; the burn is BURN_ROUNDS rounds of SHA-256 over its own digest, about 10% of
a hello request's time on a 2-core host.

The article's two endpoints on aiohttp, served by gunicorn's aiohttp worker.

Redis is reached through `redis.asyncio`, the maintained successor of aioredis
(which no longer imports on Python 3.11). The client is created and closed with
the application, in `cleanup_ctx`.
"""

import hashlib
import json
import logging
import os
from collections.abc import AsyncIterator

import redis
import redis.asyncio
from aiohttp import web
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

HELLO = b"Hello, world!"
COUNTER_KEY = os.environ.get("COUNTER_KEY", "lab:hits")
REDIS = web.AppKey("redis", redis.asyncio.Redis)
LOG = logging.getLogger("gunicorn.error")
BURN_ROUNDS = 2


def burn() -> bytes:
    digest = b"lab"
    for _ in range(BURN_ROUNDS):
        digest = hashlib.sha256(digest).digest()
    return digest


async def redis_client(app: web.Application) -> AsyncIterator[None]:
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
    app[REDIS] = redis.asyncio.Redis(connection_pool=pool)
    yield
    await app[REDIS].aclose()
    await pool.aclose()


async def hello(_request: web.Request) -> web.Response:
    burn()
    return web.Response(body=HELLO, content_type="text/plain", charset="utf-8")


async def hit(request: web.Request) -> web.Response:
    burn()
    try:
        count = await request.app[REDIS].incr(COUNTER_KEY)
    except redis.RedisError as exc:
        # One line per failure on stderr: the lab keeps the log of a trial with errors.
        LOG.warning("/hit answered 503: %s: %s", type(exc).__name__, exc)
        body = json.dumps({"error": "redis unavailable", "reason": f"{type(exc).__name__}: {exc}"})
        return web.Response(body=body.encode(), status=503, content_type="application/json")
    return web.Response(body=json.dumps({"hit": count}).encode(), content_type="application/json")


def create_app() -> web.Application:
    app = web.Application()
    app.cleanup_ctx.append(redis_client)
    app.router.add_get("/", hello)
    app.router.add_get("/hit", hit)
    return app


app = create_app()
