"""The lab's endpoints on Litestar, served by uvicorn (uvloop, httptools).

`GET /` says hello, `GET /hit` increments a Redis counter, `GET /json` returns the
order in payload.json, `POST /upload` answers the length and SHA-256 of the body,
`GET /io?ms=N` waits N ms on the event loop (a slow upstream) and says hello, and
`GET /db`, `GET /queries?n=N` and `GET /fortunes` read PostgreSQL's world and
fortune tables (lab/model/tables.py).

Handlers are `async def` and run on the event loop. `/` and `/hit` return
`Response` objects with ready-made bytes and an explicit media type, so Litestar's
own serialisers (msgspec, compact JSON) never touch their bodies; `/json` and
`/upload` return msgspec Structs, which Litestar encodes per request, as do `/db`
and `/queries`. The Redis pool and the asyncpg pool are created and closed in the
lifespan, inside the server's running loop. The fortunes page is a `Template`
response of templates/fortunes.html through Litestar's Jinja engine (autoescaped).
"""

import asyncio
import hashlib
import json
import logging
import os
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

import asyncpg
import msgspec
import redis
import redis.asyncio
from litestar import Litestar, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import Parameter
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

HELLO = b"Hello, world!"
COUNTER_KEY = os.environ.get("COUNTER_KEY", "lab:hits")
LOG = logging.getLogger("uvicorn.error")
IO_MAX_MS = 1000
WORLD_ROWS = 10_000
QUERIES_MAX = 500
READ_ROW = "SELECT id, randomnumber FROM world WHERE id = $1"
READ_FORTUNES = "SELECT id, message FROM fortune"
ADDED_FORTUNE = "Additional fortune added at request time."


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


class World(msgspec.Struct):
    id: int
    randomNumber: int  # the scenario's key, camel case


class Fortune(msgspec.Struct):
    id: int
    message: str


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


@asynccontextmanager
async def postgres_pool(app: Litestar) -> AsyncIterator[None]:
    # min_size=0: no connection until the first query, so the app starts in a run
    # whose scenarios need no database (and so no PostgreSQL is running).
    app.state.db = await asyncpg.create_pool(
        os.environ.get("DATABASE_URL", "postgresql://lab@postgres:5432/lab"),
        min_size=0,
        max_size=int(os.environ.get("DB_POOL_SIZE", "64")),
    )
    yield
    await app.state.db.close()


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


def world(row: asyncpg.Record) -> World:
    return World(id=row["id"], randomNumber=row["randomnumber"])


@get("/db")
async def db(state: State) -> World:
    # asyncpg prepares the statement once per connection and keeps it in its cache.
    return world(await state.db.fetchrow(READ_ROW, random.randint(1, WORLD_ROWS)))


def query_count(n: str) -> int:
    try:
        count = int(n)
    except ValueError:
        count = 1
    return min(max(count, 1), QUERIES_MAX)


# `n` is taken as text: not an integer means one query, where Litestar would answer 400.
@get("/queries")
async def queries(state: State, n: str = "1") -> list[World]:
    ids = [random.randint(1, WORLD_ROWS) for _ in range(query_count(n))]
    # One connection for the request, its queries awaited one after another.
    async with state.db.acquire() as connection:
        return [world(await connection.fetchrow(READ_ROW, i)) for i in ids]


@get("/fortunes")
async def fortunes(state: State) -> Template:
    found = await state.db.fetch(READ_FORTUNES)
    rows = [Fortune(id=row["id"], message=row["message"]) for row in found]
    rows.append(Fortune(id=0, message=ADDED_FORTUNE))
    rows.sort(key=lambda fortune: fortune.message)
    # text/html from the template's suffix; Litestar adds "; charset=utf-8".
    return Template(template_name="fortunes.html", context={"fortunes": rows})


# No OpenAPI schema routes: the app serves its endpoints and nothing else.
app = Litestar(
    route_handlers=[hello, hit, order, upload, io, db, queries, fortunes],
    lifespan=[redis_client, postgres_pool],
    template_config=TemplateConfig(
        directory=Path(__file__).with_name("templates"), engine=JinjaTemplateEngine
    ),
    openapi_config=None,
)
