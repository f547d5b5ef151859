"""The lab's endpoints on FastAPI, served by uvicorn or granian (ASGI).

`GET /` says hello, `GET /hit` increments a Redis counter, `GET /json` returns the
order in payload.json, `POST /upload` answers the length and SHA-256 of the body,
and `GET /io?ms=N` waits N ms on the event loop (a slow upstream) and says hello.

Handlers are `async def`, so they run on the event loop (FastAPI would send a
plain `def` handler to a thread pool). `/` and `/hit` return plain Starlette
responses with bodies built here: FastAPI's JSONResponse uses compact
separators, which would change the bytes of `{"hit": n}`. `/json` and `/upload`
return pydantic models, which FastAPI validates and serialises per request. The
Redis pool is created and closed in the lifespan, inside the server's running loop.
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

import redis
import redis.asyncio
from fastapi import FastAPI, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

HELLO = b"Hello, world!"
COUNTER_KEY = os.environ.get("COUNTER_KEY", "lab:hits")
# uvicorn's error logger; under granian it has no handler and Python's last-resort
# handler still writes the warning to stderr.
LOG = logging.getLogger("uvicorn.error")
IO_MAX_MS = 1000


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


# Copied beside this module into every image from apps/payload.json; validated once here.
ORDER = Order.model_validate_json(Path(__file__).with_name("payload.json").read_bytes())


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


@app.exception_handler(RequestValidationError)
async def bad_request(_request: Request, exc: RequestValidationError) -> Response:
    # FastAPI's own answer to a missing or invalid parameter, but 400 where it says 422:
    # the lab expects 400 from every app.
    return JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=400)
