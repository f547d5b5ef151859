"""The lab's endpoints on FastAPI, served by uvicorn or granian (ASGI).

`GET /` says hello, `GET /hit` increments a Redis counter, `GET /json` returns the
order in payload.json, `POST /upload` answers the length and SHA-256 of the body,
`GET /io?ms=N` waits N ms on the event loop (a slow upstream) and says hello, and
`GET /db`, `GET /queries?n=N` and `GET /fortunes` read PostgreSQL's world and
fortune tables (lab/model/tables.py).

Handlers are `async def`, so they run on the event loop (FastAPI would send a
plain `def` handler to a thread pool). `/` and `/hit` return plain Starlette
responses with bodies built here: FastAPI's JSONResponse uses compact
separators, which would change the bytes of `{"hit": n}`. `/json` and `/upload`
return pydantic models, which FastAPI validates and serialises per request, as do
`/db` and `/queries`. The Redis pool and the asyncpg pool are created and closed in
the lifespan, inside the server's running loop. The fortunes page is FastAPI's
Jinja2Templates (autoescaped) of templates/fortunes.html.
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
import redis
import redis.asyncio
from fastapi import FastAPI, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

HELLO = b"Hello, world!"
COUNTER_KEY = os.environ.get("COUNTER_KEY", "lab:hits")
# uvicorn's error logger; under granian it has no handler and Python's last-resort
# handler still writes the warning to stderr.
LOG = logging.getLogger("uvicorn.error")
IO_MAX_MS = 1000
WORLD_ROWS = 10_000
QUERIES_MAX = 500
READ_ROW = "SELECT id, randomnumber FROM world WHERE id = $1"
READ_FORTUNES = "SELECT id, message FROM fortune"
ADDED_FORTUNE = "Additional fortune added at request time."
TEMPLATES = Jinja2Templates(directory=Path(__file__).with_name("templates"))


class Customer(BaseModel):
    id: int
    name: str
    email: str


class Item(BaseModel):
    id: int
    name: str
    price_cents: int
    in_stock: bool
    tags: list[str]


class Order(BaseModel):
    id: int
    name: str
    customer: Customer
    currency: str
    items: list[Item]
    total_cents: int
    notes: str


class Digest(BaseModel):
    length: int
    sha256: str


class World(BaseModel):
    id: int
    randomNumber: int  # the scenario's key, camel case


class Fortune(BaseModel):
    id: int
    message: str


# Copied beside this module into every image from apps/payload.json; validated once here.
ORDER = Order.model_validate_json(Path(__file__).with_name("payload.json").read_bytes())


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[dict[str, object]]:
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
    # min_size=0: no connection until the first query, so the app starts in a run
    # whose scenarios need no database (and so no PostgreSQL is running).
    db = await asyncpg.create_pool(
        os.environ.get("DATABASE_URL", "postgresql://lab@postgres:5432/lab"),
        min_size=0,
        max_size=int(os.environ.get("DB_POOL_SIZE", "64")),
    )
    yield {"redis": client, "db": db}
    await db.close()
    await client.aclose()
    await pool.aclose()


# No OpenAPI or docs routes: the app serves its endpoints and nothing else.
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


@app.get("/json")
async def order() -> Order:
    # The return type is the response model: FastAPI validates ORDER against it and
    # serialises it on every request.
    return ORDER


@app.post("/upload")
async def upload(request: Request) -> Digest:
    # The raw body, read whole by Starlette's Request (FastAPI's own body parameters
    # parse JSON or forms). No size limit applies in FastAPI, uvicorn or granian.
    body = await request.body()
    return Digest(length=len(body), sha256=hashlib.sha256(body).hexdigest())


@app.get("/io")
async def io(ms: Annotated[int, Query(ge=0, le=IO_MAX_MS)]) -> Response:
    # Cooperative: the event loop serves other requests while this one waits.
    await asyncio.sleep(ms / 1000)
    return PlainTextResponse(HELLO)


def world(row: asyncpg.Record) -> World:
    return World(id=row["id"], randomNumber=row["randomnumber"])


@app.get("/db")
async def db(request: Request) -> World:
    # asyncpg prepares the statement once per connection and keeps it in its cache.
    return world(await request.state.db.fetchrow(READ_ROW, random.randint(1, WORLD_ROWS)))


def query_count(n: str) -> int:
    try:
        count = int(n)
    except ValueError:
        count = 1
    return min(max(count, 1), QUERIES_MAX)


# `n` is taken as text: not an integer means one query, where FastAPI would answer 400.
@app.get("/queries")
async def queries(request: Request, n: str = "1") -> list[World]:
    ids = [random.randint(1, WORLD_ROWS) for _ in range(query_count(n))]
    # One connection for the request, its queries awaited one after another.
    async with request.state.db.acquire() as connection:
        return [world(await connection.fetchrow(READ_ROW, i)) for i in ids]


@app.get("/fortunes", response_class=HTMLResponse)
async def fortunes(request: Request) -> Response:
    found = await request.state.db.fetch(READ_FORTUNES)
    rows = [Fortune(id=row["id"], message=row["message"]) for row in found]
    rows.append(Fortune(id=0, message=ADDED_FORTUNE))
    rows.sort(key=lambda fortune: fortune.message)
    return TEMPLATES.TemplateResponse(request, "fortunes.html", {"fortunes": rows})


@app.exception_handler(RequestValidationError)
async def bad_request(_request: Request, exc: RequestValidationError) -> Response:
    # FastAPI's own answer to a missing or invalid parameter, but 400 where it says 422:
    # the lab expects 400 from every app.
    return JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=400)
