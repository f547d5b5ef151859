"""The lab's endpoints on aiohttp, served by gunicorn's aiohttp worker.

`GET /` says hello, `GET /hit` increments a Redis counter, `GET /json` returns the
order in payload.json, `POST /upload` answers the length and SHA-256 of the body,
`GET /io?ms=N` waits N ms on the event loop (a slow upstream) and says hello, and
`GET /db`, `GET /queries?n=N` and `GET /fortunes` read PostgreSQL's world and
fortune tables (lab/model/tables.py).
Redis is reached through `redis.asyncio`, the maintained successor of aioredis
(which no longer imports on Python 3.11), PostgreSQL through an asyncpg pool. Both
are created and closed with the application, in `cleanup_ctx`. aiohttp has no
template engine of its own: the fortunes page is escaped with `html.escape`.
"""

import asyncio
import hashlib
import html
import json
import logging
import os
import random
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import redis
import redis.asyncio
from aiohttp import web
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

HELLO = b"Hello, world!"
COUNTER_KEY = os.environ.get("COUNTER_KEY", "lab:hits")
REDIS = web.AppKey("redis", redis.asyncio.Redis)
DB = web.AppKey("db", asyncpg.Pool)
LOG = logging.getLogger("gunicorn.error")
# Copied beside this module into every image from apps/payload.json; read once, served
# as a dict that web.json_response serialises per request.
PAYLOAD = json.loads(Path(__file__).with_name("payload.json").read_bytes())
IO_MAX_MS = 1000
WORLD_ROWS = 10_000
QUERIES_MAX = 500
READ_ROW = "SELECT id, randomnumber FROM world WHERE id = $1"
READ_FORTUNES = "SELECT id, message FROM fortune"
ADDED_FORTUNE = "Additional fortune added at request time."
FORTUNES_HEAD = (
    "<!DOCTYPE html><html><head><title>Fortunes</title></head><body>"
    "<table><tr><th>id</th><th>message</th></tr>"
)
FORTUNES_TAIL = "</table></body></html>"


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


async def postgres_pool(app: web.Application) -> AsyncIterator[None]:
    # min_size=0: no connection until the first query, so the app starts in a run
    # whose scenarios need no database (and so no PostgreSQL is running).
    app[DB] = await asyncpg.create_pool(
        os.environ.get("DATABASE_URL", "postgresql://lab@postgres:5432/lab"),
        min_size=0,
        max_size=int(os.environ.get("DB_POOL_SIZE", "64")),
    )
    yield
    await app[DB].close()


async def hello(_request: web.Request) -> web.Response:
    return web.Response(body=HELLO, content_type="text/plain", charset="utf-8")


async def hit(request: web.Request) -> web.Response:
    try:
        count = await request.app[REDIS].incr(COUNTER_KEY)
    except redis.RedisError as exc:
        # One line per failure on stderr: the lab keeps the log of a trial with errors.
        LOG.warning("/hit answered 503: %s: %s", type(exc).__name__, exc)
        body = json.dumps({"error": "redis unavailable", "reason": f"{type(exc).__name__}: {exc}"})
        return web.Response(body=body.encode(), status=503, content_type="application/json")
    return web.Response(body=json.dumps({"hit": count}).encode(), content_type="application/json")


async def order(_request: web.Request) -> web.Response:
    return web.json_response(PAYLOAD)


async def upload(request: web.Request) -> web.Response:
    # The whole body, buffered by aiohttp: read() refuses a body over the application's
    # client_max_size (1 MiB by default), above the largest upload (1,000,000 bytes).
    body = await request.read()
    return web.json_response({"length": len(body), "sha256": hashlib.sha256(body).hexdigest()})


async def io(request: web.Request) -> web.Response:
    try:
        ms = int(request.query["ms"])
    except (KeyError, ValueError):
        ms = -1
    if not 0 <= ms <= IO_MAX_MS:
        raise web.HTTPBadRequest(text=f"ms must be an integer from 0 to {IO_MAX_MS}")
    # Cooperative: the event loop serves other requests while this one waits.
    await asyncio.sleep(ms / 1000)
    return await hello(request)


def world(row: asyncpg.Record) -> dict[str, int]:
    return {"id": row["id"], "randomNumber": row["randomnumber"]}


async def db(request: web.Request) -> web.Response:
    # asyncpg prepares the statement once per connection and keeps it in its cache.
    row = await request.app[DB].fetchrow(READ_ROW, random.randint(1, WORLD_ROWS))
    return web.json_response(world(row))


def query_count(request: web.Request) -> int:
    try:
        n = int(request.query.get("n", "1"))
    except ValueError:
        n = 1
    return min(max(n, 1), QUERIES_MAX)


async def queries(request: web.Request) -> web.Response:
    ids = [random.randint(1, WORLD_ROWS) for _ in range(query_count(request))]
    # One connection for the request, its queries awaited one after another.
    async with request.app[DB].acquire() as connection:
        rows = [await connection.fetchrow(READ_ROW, i) for i in ids]
    return web.json_response([world(row) for row in rows])


async def fortunes(request: web.Request) -> web.Response:
    rows = [(row["id"], row["message"]) for row in await request.app[DB].fetch(READ_FORTUNES)]
    rows.append((0, ADDED_FORTUNE))
    rows.sort(key=lambda row: row[1])
    cells = "".join(f"<tr><td>{i}</td><td>{html.escape(message)}</td></tr>" for i, message in rows)
    page = FORTUNES_HEAD + cells + FORTUNES_TAIL
    return web.Response(text=page, content_type="text/html", charset="utf-8")


def create_app() -> web.Application:
    app = web.Application()
    app.cleanup_ctx.append(redis_client)
    app.cleanup_ctx.append(postgres_pool)
    app.router.add_get("/", hello)
    app.router.add_get("/hit", hit)
    app.router.add_get("/json", order)
    app.router.add_post("/upload", upload)
    app.router.add_get("/io", io)
    app.router.add_get("/db", db)
    app.router.add_get("/queries", queries)
    app.router.add_get("/fortunes", fortunes)
    return app


app = create_app()
