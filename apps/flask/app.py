"""The lab's endpoints on Flask, served by gunicorn's gevent worker (or granian's threads).

`GET /` says hello, `GET /hit` increments a Redis counter, `GET /json` returns the
order in payload.json, `POST /upload` answers the length and SHA-256 of the body,
`GET /io?ms=N` waits N ms (a slow upstream) and says hello, and `GET /db`,
`GET /queries?n=N` and `GET /fortunes` read PostgreSQL through psycopg 3's pool
(psycopg_pool) and render the fortunes with Flask's Jinja2 template.

The gevent worker monkey-patches the standard library before it imports this
module (never use --preload), so redis-py's sync client and `time.sleep` yield to
other greenlets while they wait. psycopg sees the patched `select` as it is imported
and then waits with `select.poll`, which gevent has made cooperative, instead of its
C wait function, which would block the whole worker (psycopg >= 3.1.14). Under granian
the same code runs on a pool of OS threads, where each wait holds a thread.
"""

import hashlib
import json
import logging
import os
import random
import threading
import time
from operator import itemgetter
from pathlib import Path

import psycopg
import redis
from flask import Flask, Response, abort, jsonify, render_template, request
from psycopg_pool import ConnectionPool
from redis.backoff import NoBackoff
from redis.retry import Retry

HELLO = b"Hello, world!"
COUNTER_KEY = os.environ.get("COUNTER_KEY", "lab:hits")
# Copied beside this module into every image from apps/payload.json; read once, served
# as a dict that jsonify serialises per request.
PAYLOAD = json.loads(Path(__file__).with_name("payload.json").read_bytes())
IO_MAX_MS = 1000
WORLD_ROWS = 10_000
QUERIES_MAX = 500
ADDED_FORTUNE = (0, "Additional fortune added at request time.")

app = Flask(__name__)
LOG = logging.getLogger("gunicorn.error")

# Blocking pool: under more concurrent requests than connections, a request waits
# for a free connection instead of failing (redis-py's default pool raises).
_pool = redis.BlockingConnectionPool.from_url(
    os.environ.get("REDIS_URL", "redis://redis:6379/0"),
    max_connections=int(os.environ.get("REDIS_MAX_CONNECTIONS", "64")),
    timeout=float(os.environ.get("REDIS_POOL_TIMEOUT", "5")),
    socket_connect_timeout=float(os.environ.get("REDIS_CONNECT_TIMEOUT", "1")),
    socket_timeout=float(os.environ.get("REDIS_SOCKET_TIMEOUT", "2")),
    # No retries: with Redis down, /hit must answer 503 at once rather than back off.
    retry=Retry(NoBackoff(), 0),
)
_redis = redis.Redis(connection_pool=_pool)

# Opened on the first db request, not at import: the other scenarios run without a
# PostgreSQL, and an open pool would keep trying to reach it. Autocommit: a lone SELECT
# then needs no BEGIN, nor a ROLLBACK when the pool takes the connection back.
_db = ConnectionPool(
    os.environ.get("DATABASE_URL", "postgresql://lab@postgres:5432/lab"),
    max_size=int(os.environ.get("DB_POOL_SIZE", "64")),
    kwargs={"autocommit": True},
    timeout=float(os.environ.get("DB_POOL_TIMEOUT", "5")),
    open=False,
)
_db_opening = threading.Lock()  # a gevent lock once patched


def db() -> ConnectionPool:
    if _db.closed:
        with _db_opening:
            if _db.closed:
                _db.open()
    return _db


@app.get("/")
def hello() -> Response:
    return Response(HELLO, mimetype="text/plain")


@app.get("/hit")
def hit() -> Response:
    try:
        count = _redis.incr(COUNTER_KEY)
    except redis.RedisError as exc:
        # One line per failure on stderr: the lab keeps the log of a trial with errors.
        LOG.warning("/hit answered 503: %s: %s", type(exc).__name__, exc)
        body = json.dumps({"error": "redis unavailable", "reason": f"{type(exc).__name__}: {exc}"})
        return Response(body, status=503, content_type="application/json")
    return Response(json.dumps({"hit": count}), content_type="application/json")


@app.get("/json")
def order() -> Response:
    return jsonify(PAYLOAD)


@app.post("/upload")
def upload() -> Response:
    # The whole body from the WSGI input, read by Werkzeug; no MAX_CONTENT_LENGTH is set,
    # so Flask refuses no size.
    body = request.get_data()
    return jsonify(length=len(body), sha256=hashlib.sha256(body).hexdigest())


@app.get("/io")
def io() -> Response:
    ms = request.args.get("ms", type=int)  # None when missing or not an integer
    if ms is None or not 0 <= ms <= IO_MAX_MS:
        abort(400, f"ms must be an integer from 0 to {IO_MAX_MS}")
    # Sync code on purpose: gevent has patched time.sleep into a greenlet switch; on
    # granian's threads it blocks its thread, as any sync call to an upstream would.
    time.sleep(ms / 1000)
    return hello()


WORLD_ROW = "SELECT id, randomnumber FROM world WHERE id = %s"


def world_row(conn: psycopg.Connection, ident: int) -> dict[str, int]:
    row = conn.execute(WORLD_ROW, (ident,)).fetchone()
    return {"id": row[0], "randomNumber": row[1]}


@app.get("/db")
def single_query() -> Response:
    with db().connection() as conn:
        return jsonify(world_row(conn, random.randint(1, WORLD_ROWS)))


@app.get("/queries")
def queries() -> Response:
    n = request.args.get("n", type=int) or 1  # 1 when missing or not an integer
    n = min(max(n, 1), QUERIES_MAX)
    # One connection for the request's queries, one round trip each.
    with db().connection() as conn:
        return jsonify([world_row(conn, random.randint(1, WORLD_ROWS)) for _ in range(n)])


@app.get("/fortunes")
def fortunes() -> str:
    with db().connection() as conn:
        rows = conn.execute("SELECT id, message FROM fortune").fetchall()
    rows.append(ADDED_FORTUNE)
    rows.sort(key=itemgetter(1))
    # templates/fortunes.html: Flask autoescapes .html templates.
    return render_template("fortunes.html", fortunes=rows)
