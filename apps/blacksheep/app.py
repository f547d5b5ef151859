"""The article's two endpoints on BlackSheep, served by uvicorn (uvloop, httptools).

Handlers are `async def` and run on the event loop; they return `Response`
objects with ready-made bytes and an explicit content type. The Redis pool is
created and closed in the application's lifespan, inside the server's running
loop, and kept on the application object.
"""

import json
import logging
import os
from collections.abc import AsyncIterator

import redis
import redis.asyncio
from blacksheep import Application, Content, Request, Response
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

HELLO = b"Hello, world!"
COUNTER_KEY = os.environ.get("COUNTER_KEY", "lab:hits")
TEXT = b"text/plain; charset=utf-8"
JSON = b"application/json"
LOG = logging.getLogger("uvicorn.error")

app = Application()


@app.lifespan
async def redis_client(application: Application) -> AsyncIterator[None]:
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
    application.redis = redis.asyncio.Redis(connection_pool=pool)
    yield
    await application.redis.aclose()
    await pool.aclose()


@app.router.get("/")
async def hello(_request: Request) -> Response:
    return Response(200, None, Content(TEXT, HELLO))


@app.router.get("/hit")
async def hit(_request: Request) -> Response:
    try:
        count = await app.redis.incr(COUNTER_KEY)
    except redis.RedisError as exc:
        # One line per failure on stderr: the lab keeps the log of a trial with errors.
        LOG.warning("/hit answered 503: %s: %s", type(exc).__name__, exc)
        body = json.dumps({"error": "redis unavailable", "reason": f"{type(exc).__name__}: {exc}"})
        return Response(503, None, Content(JSON, body.encode()))
    return Response(200, None, Content(JSON, json.dumps({"hit": count}).encode()))
