"""The lab's endpoints on BlackSheep, served by uvicorn (uvloop, httptools).

`GET /` says hello, `GET /hit` increments a Redis counter, `GET /json` returns the
order in payload.json, `POST /upload` answers the length and SHA-256 of the body,
`GET /io?ms=N` waits N ms on the event loop (a slow upstream) and says hello, and
`GET /db`, `GET /queries?n=N` and `GET /fortunes` read PostgreSQL's world and
fortune tables (lab/model/tables.py).

Handlers are `async def` and run on the event loop. `/` and `/hit` return
`Response` objects with ready-made bytes and an explicit content type; `/json`
and `/upload` return dataclasses, which BlackSheep serialises to JSON per request,
as do `/db` and `/queries`. The Redis pool and the asyncpg pool are created and
closed in the application's lifespan, inside the server's running loop, and kept on
the application object. The fortunes page is BlackSheep's `view`: its default
renderer, Jinja2 with autoescape, of views/fortunes.jinja.
"""

import asyncio
import hashlib
import json
import logging
import os
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import redis
import redis.asyncio
from blacksheep import Application, Content, Request, Response
from blacksheep.server.responses import bad_request, view
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

HELLO = b"Hello, world!"
COUNTER_KEY = os.environ.get("COUNTER_KEY", "lab:hits")
TEXT = b"text/plain; charset=utf-8"
JSON = b"application/json"
LOG = logging.getLogger("uvicorn.error")
IO_MAX_MS = 1000
WORLD_ROWS = 10_000
QUERIES_MAX = 500
READ_ROW = "SELECT id, randomnumber FROM world WHERE id = $1"
READ_FORTUNES = "SELECT id, message FROM fortune"
ADDED_FORTUNE = "Additional fortune added at request time."


@dataclass(frozen=True, slots=True)
class Customer:
    id: int
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class Item:
    id: int
    name: str
    price_cents: int
    in_stock: bool
    tags: list[str]


@dataclass(frozen=True, slots=True)
class Order:
    id: int
    name: str
    customer: Customer
    currency: str
    items: list[Item]
    total_cents: int
    notes: str


@dataclass(frozen=True, slots=True)
class Digest:
    length: int
    sha256: str


@dataclass(frozen=True, slots=True)
class World:
    id: int
    randomNumber: int  # the scenario's key, camel case


@dataclass(frozen=True, slots=True)
class Fortune:
    id: int
    message: str


def read_order(path: Path) -> Order:
    data = json.loads(path.read_bytes())
    customer = Customer(**data.pop("customer"))
    items = [Item(**item) for item in data.pop("items")]
    return Order(customer=customer, items=items, **data)


# Copied beside this module into every image from apps/payload.json; read once here.
ORDER = read_order(Path(__file__).with_name("payload.json"))

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


@app.lifespan
async def postgres_pool(application: Application) -> AsyncIterator[None]:
    # min_size=0: no connection until the first query, so the app starts in a run
    # whose scenarios need no database (and so no PostgreSQL is running).
    application.db = await asyncpg.create_pool(
        os.environ.get("DATABASE_URL", "postgresql://lab@postgres:5432/lab"),
        min_size=0,
        max_size=int(os.environ.get("DB_POOL_SIZE", "64")),
    )
    yield
    await application.db.close()


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


@app.router.get("/json")
async def order() -> Order:
    return ORDER


@app.router.post("/upload")
async def upload(request: Request) -> Digest:
    # The whole body, read from the ASGI channel; BlackSheep sets no size limit. read()
    # gives None for an empty body.
    body = await request.read() or b""
    return Digest(length=len(body), sha256=hashlib.sha256(body).hexdigest())


@app.router.get("/io")
async def io(ms: int) -> Response:
    # `ms` is bound from the query: missing or not an integer, BlackSheep answers 400.
    if not 0 <= ms <= IO_MAX_MS:
        return bad_request(f"ms must be an integer from 0 to {IO_MAX_MS}")
    # Cooperative: the event loop serves other requests while this one waits.
    await asyncio.sleep(ms / 1000)
    return Response(200, None, Content(TEXT, HELLO))


def world(row: asyncpg.Record) -> World:
    return World(id=row["id"], randomNumber=row["randomnumber"])


@app.router.get("/db")
async def db() -> World:
    # asyncpg prepares the statement once per connection and keeps it in its cache.
    return world(await app.db.fetchrow(READ_ROW, random.randint(1, WORLD_ROWS)))


def query_count(n: str) -> int:
    try:
        count = int(n)
    except ValueError:
        count = 1
    return min(max(count, 1), QUERIES_MAX)


# `n` is bound from the query as text: not an integer means one query, where an int
# parameter would make BlackSheep answer 400.
@app.router.get("/queries")
async def queries(n: str = "1") -> list[World]:
    ids = [random.randint(1, WORLD_ROWS) for _ in range(query_count(n))]
    # One connection for the request, its queries awaited one after another.
    async with app.db.acquire() as connection:
        return [world(await connection.fetchrow(READ_ROW, i)) for i in ids]


@app.router.get("/fortunes")
async def fortunes() -> Response:
    found = await app.db.fetch(READ_FORTUNES)
    rows = [Fortune(id=row["id"], message=row["message"]) for row in found]
    rows.append(Fortune(id=0, message=ADDED_FORTUNE))
    rows.sort(key=lambda fortune: fortune.message)
    return view("fortunes", fortunes=rows)
