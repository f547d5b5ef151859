"""The lab's endpoints on Starlette, served by uvicorn (uvloop, httptools).

`GET /` says hello, `GET /hit` increments a Redis counter, `GET /json` returns the
order in payload.json, `POST /upload` answers the length and SHA-256 of the body,
and `GET /io?ms=N` waits N ms on the event loop (a slow upstream) and says hello, and
`GET /db`, `GET /queries?n=N` and `GET /fortunes` read PostgreSQL's world and
fortune tables (lab/model/tables.py).

Handlers are `async def` and run on the event loop. The Redis pool and the
asyncpg pool are created and closed in the lifespan, inside the server's running
loop, and reach the handlers through the lifespan state (`request.state`). The
fortunes page is Starlette's Jinja2Templates (autoescaped) of templates/fortunes.html.
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

import asyncpg
import redis
import redis.asyncio
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

HELLO = b"Hello, world!"
COUNTER_KEY = os.environ.get("COUNTER_KEY", "lab:hits")
LOG = logging.getLogger("uvicorn.error")
# Copied beside this module into every image from apps/payload.json; read once, served
# as a dict that JSONResponse serialises per request.
PAYLOAD = json.loads(Path(__file__).with_name("payload.json").read_bytes())
IO_MAX_MS = 1000
WORLD_ROWS = 10_000
QUERIES_MAX = 500
READ_ROW = "SELECT id, randomnumber FROM world WHERE id = $1"
READ_FORTUNES = "SELECT id, message FROM fortune"
ADDED_FORTUNE = "Additional fortune added at request time."
TEMPLATES = Jinja2Templates(directory=Path(__file__).with_name("templates"))


@asynccontextmanager
async def lifespan(_app: Starlette) -> AsyncIterator[dict[str, object]]:
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


async def hello(_request: Request) -> Response:
    return PlainTextResponse(HELLO)


async def hit(request: Request) -> Response:
    try:
        count = await request.state.redis.incr(COUNTER_KEY)
    except redis.RedisError as exc:
        # One line per failure on stderr: the lab keeps the log of a trial with errors.
        LOG.warning("/hit answered 503: %s: %s", type(exc).__name__, exc)
        body = json.dumps({"error": "redis unavailable", "reason": f"{type(exc).__name__}: {exc}"})
        return Response(body, status_code=503, media_type="application/json")
    return Response(json.dumps({"hit": count}), media_type="application/json")


async def order(_request: Request) -> Response:
    return JSONResponse(PAYLOAD)


async def upload(request: Request) -> Response:
    # The whole body, read by Starlette's Request; Starlette and uvicorn set no size limit.
    body = await request.body()
    return JSONResponse({"length": len(body), "sha256": hashlib.sha256(body).hexdigest()})


async def io(request: Request) -> Response:
    try:
        ms = int(request.query_params["ms"])
    except (KeyError, ValueError):
        ms = -1
    if not 0 <= ms <= IO_MAX_MS:
        return PlainTextResponse(f"ms must be an integer from 0 to {IO_MAX_MS}", status_code=400)
    # Cooperative: the event loop serves other requests while this one waits.
    await asyncio.sleep(ms / 1000)
    return PlainTextResponse(HELLO)


def world(row: asyncpg.Record) -> dict[str, int]:
    return {"id": row["id"], "randomNumber": row["randomnumber"]}


async def db(request: Request) -> Response:
    # asyncpg prepares the statement once per connection and keeps it in its cache.
    row = await request.state.db.fetchrow(READ_ROW, random.randint(1, WORLD_ROWS))
    return JSONResponse(world(row))


def query_count(request: Request) -> int:
    try:
        n = int(request.query_params.get("n", "1"))
    except ValueError:
        n = 1
    return min(max(n, 1), QUERIES_MAX)


async def queries(request: Request) -> Response:
    ids = [random.randint(1, WORLD_ROWS) for _ in range(query_count(request))]
    # One connection for the request, its queries awaited one after another.
    async with request.state.db.acquire() as connection:
        rows = [await connection.fetchrow(READ_ROW, i) for i in ids]
    return JSONResponse([world(row) for row in rows])


async def fortunes(request: Request) -> Response:
    rows = [(row["id"], row["message"]) for row in await request.state.db.fetch(READ_FORTUNES)]
    rows.append((0, ADDED_FORTUNE))
    rows.sort(key=lambda row: row[1])
    context = {"fortunes": [{"id": i, "message": message} for i, message in rows]}
    return TEMPLATES.TemplateResponse(request, "fortunes.html", context)


app = Starlette(
    routes=[
        Route("/", hello, methods=["GET"]),
        Route("/hit", hit, methods=["GET"]),
        Route("/json", order, methods=["GET"]),
        Route("/upload", upload, methods=["POST"]),
        Route("/io", io, methods=["GET"]),
        Route("/db", db, methods=["GET"]),
        Route("/queries", queries, methods=["GET"]),
        Route("/fortunes", fortunes, methods=["GET"]),
    ],
    lifespan=lifespan,
)
