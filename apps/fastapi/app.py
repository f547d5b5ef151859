"""The article's two endpoints on FastAPI, served by uvicorn or granian (ASGI).

Handlers are `async def`, so they run on the event loop (FastAPI would send a
plain `def` handler to a thread pool), and they return plain Starlette
responses with bodies built here: FastAPI's JSONResponse uses compact
separators, which would change the bytes of `{"hit": n}`. The Redis pool is
created and closed in the lifespan, inside the server's running loop.
"""

import json
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis
import redis.asyncio
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

HELLO = b"Hello, world!"
COUNTER_KEY = os.environ.get("COUNTER_KEY", "lab:hits")
# uvicorn's error logger; under granian it has no handler and Python's last-resort
# handler still writes the warning to stderr.
LOG = logging.getLogger("uvicorn.error")


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[dict[str, redis.asyncio.Redis]]:
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
    client = redis.asyncio.Redis(connection_pool=pool)
    yield {"redis": client}
    await client.aclose()
    await pool.aclose()


# No OpenAPI or docs routes: the app serves the two endpoints and nothing else.
app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)


@app.get("/")
async def hello() -> Response:
    return PlainTextResponse(HELLO)


@app.get("/hit")
async def hit(request: Request) -> Response:
    try:
        count = await request.state.redis.incr(COUNTER_KEY)
    except redis.RedisError as exc:
        # One line per failure on stderr: the lab keeps the log of a trial with errors.
        LOG.warning("/hit answered 503: %s: %s", type(exc).__name__, exc)
        body = json.dumps({"error": "redis unavailable", "reason": f"{type(exc).__name__}: {exc}"})
        return Response(body, status_code=503, media_type="application/json")
    return Response(json.dumps({"hit": count}), media_type="application/json")
