"""The lab's endpoints on Litestar, served by uvicorn (uvloop, httptools).

`GET /` says hello, `GET /hit` increments a Redis counter, `GET /json` returns the
order in payload.json, `POST /upload` answers the length and SHA-256 of the body,
and `GET /io?ms=N` waits N ms on the event loop (a slow upstream) and says hello.

Handlers are `async def` and run on the event loop. `/` and `/hit` return
`Response` objects with ready-made bytes and an explicit media type, so Litestar's
own serialisers (msgspec, compact JSON) never touch their bodies; `/json` and
`/upload` return msgspec Structs, which Litestar encodes per request. The Redis
pool is created and closed in the lifespan, inside the server's running loop.
"""

import asyncio
import hashlib
import json
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

import msgspec
import redis
import redis.asyncio
from litestar import Litestar, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import Parameter
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

HELLO = b"Hello, world!"
COUNTER_KEY = os.environ.get("COUNTER_KEY", "lab:hits")
LOG = logging.getLogger("uvicorn.error")
IO_MAX_MS = 1000


class Customer(msgspec.Struct):
    id: int
    name: str
    email: str


class Item(msgspec.Struct):
    id: int
    name: str
    price_cents: int
    in_stock: bool
    tags: list[str]


class Order(msgspec.Struct):
    id: int
    name: str
    customer: Customer
    currency: str
    items: list[Item]
    total_cents: int
    notes: str


class Digest(msgspec.Struct):
    length: int
    sha256: str


# Copied beside this module into every image from apps/payload.json; decoded once here.
ORDER = msgspec.json.decode(Path(__file__).with_name("payload.json").read_bytes(), type=Order)


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


@get("/json")
async def order() -> Order:
    return ORDER


# 200, not the 201 Litestar gives a POST by default: nothing is created.
@post("/upload", status_code=200)
async def upload(request: Request) -> Digest:
    # The raw body, read whole; Litestar refuses one over request_max_body_size (10 MB
    # by default), above the largest upload (1,000,000 bytes).
    body = await request.body()
    return Digest(length=len(body), sha256=hashlib.sha256(body).hexdigest())


# Missing, not an integer or out of range: Litestar answers 400 itself.
@get("/io")
async def io(ms: Annotated[int, Parameter(ge=0, le=IO_MAX_MS)]) -> Response[bytes]:
    # Cooperative: the event loop serves other requests while this one waits.
    await asyncio.sleep(ms / 1000)
    return Response(HELLO, media_type="text/plain")


# No OpenAPI schema routes: the app serves its endpoints and nothing else.
app = Litestar(
    route_handlers=[hello, hit, order, upload, io],
    lifespan=[redis_client],
    openapi_config=None,
)
