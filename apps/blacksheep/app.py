"""The lab's endpoints on BlackSheep, served by uvicorn (uvloop, httptools).

`GET /` says hello, `GET /hit` increments a Redis counter, `GET /json` returns the
order in payload.json, `POST /upload` answers the length and SHA-256 of the body,
and `GET /io?ms=N` waits N ms on the event loop (a slow upstream) and says hello.

Handlers are `async def` and run on the event loop. `/` and `/hit` return
`Response` objects with ready-made bytes and an explicit content type; `/json`
and `/upload` return dataclasses, which BlackSheep serialises to JSON per request.
The Redis pool is created and closed in the application's lifespan, inside the
server's running loop, and kept on the application object.
"""

import asyncio
import hashlib
import json
import logging
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import redis
import redis.asyncio
from blacksheep import Application, Content, Request, Response
from blacksheep.server.responses import bad_request
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

HELLO = b"Hello, world!"
COUNTER_KEY = os.environ.get("COUNTER_KEY", "lab:hits")
TEXT = b"text/plain; charset=utf-8"
JSON = b"application/json"
LOG = logging.getLogger("uvicorn.error")
IO_MAX_MS = 1000


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
