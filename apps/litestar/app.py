"""The article's two endpoints on Litestar, served by uvicorn (uvloop, httptools).

Handlers are `async def` and run on the event loop; they return `Response`
objects with ready-made bytes and an explicit media type, so Litestar's own
serialisers (msgspec, compact JSON) never touch the body. The Redis pool is
created and closed in the lifespan, inside the server's running loop.
"""

import json
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis
import redis.asyncio
from litestar import Litestar, Response, get
from litestar.datastructures import State
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

HELLO = b"Hello, world!"
COUNTER_KEY = os.environ.get("COUNTER_KEY", "lab:hits")
LOG = logging.getLogger("uvicorn.error")


@asynccontextmanager
async def redis_client(app: Litestar) -> AsyncIterator[None]:
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
    app.state.redis = redis.asyncio.Redis(connection_pool=pool)
    yield
    await app.state.redis.aclose()
    await pool.aclose()


@get("/")
async def hello() -> Response[bytes]:
    # Litestar appends "; charset=utf-8" to text/* media types.
    return Response(HELLO, media_type="text/plain")


@get("/hit")
async def hit(state: State) -> Response[bytes]:
    try:
        count = await state.redis.incr(COUNTER_KEY)
    except redis.RedisError as exc:
        # One line per failure on stderr: the lab keeps the log of a trial with errors.
        LOG.warning("/hit answered 503: %s: %s", type(exc).__name__, exc)
        body = json.dumps({"error": "redis unavailable", "reason": f"{type(exc).__name__}: {exc}"})
        return Response(body.encode(), status_code=503, media_type="application/json")
    return Response(json.dumps({"hit": count}).encode(), media_type="application/json")


# No OpenAPI schema routes: the app serves the two endpoints and nothing else.
app = Litestar(route_handlers=[hello, hit], lifespan=[redis_client], openapi_config=None)
