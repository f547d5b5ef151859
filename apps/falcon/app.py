"""The lab's endpoints on Falcon (WSGI), served by gunicorn's gevent worker.

`GET /` says hello, `GET /hit` increments a Redis counter, `GET /json` returns the
order in payload.json, `POST /upload` answers the length and SHA-256 of the body,
`GET /io?ms=N` waits N ms (a slow upstream) and says hello, and `GET /db`,
`GET /queries?n=N` and `GET /fortunes` read PostgreSQL through psycopg 3's pool
(psycopg_pool). Falcon has no template engine: the fortunes page is a Jinja2 template
with autoescaping, as Flask's is.

The gevent worker, not the sync one: gunicorn's sync worker closes every
connection after one request (no keep-alive). The gevent worker monkey-patches
the standard library before it imports this module (never use --preload), so
redis-py's sync client and `time.sleep` yield to other greenlets while they wait.
psycopg sees the patched `select` as it is imported and then waits with `select.poll`,
which gevent has made cooperative, instead of its C wait function, which would block
the whole worker (psycopg >= 3.1.14).
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

import falcon
import jinja2
import psycopg
import redis
from psycopg_pool import ConnectionPool
from redis.backoff import NoBackoff
from redis.retry import Retry

HELLO = b"Hello, world!"
COUNTER_KEY = os.environ.get("COUNTER_KEY", "lab:hits")
LOG = logging.getLogger("gunicorn.error")
# Copied beside this module into every image from apps/payload.json; read once, served
# as a dict that Falcon's JSON media handler serialises per request.
PAYLOAD = json.loads(Path(__file__).with_name("payload.json").read_bytes())
IO_MAX_MS = 1000
WORLD_ROWS = 10_000
QUERIES_MAX = 500
ADDED_FORTUNE = (0, "Additional fortune added at request time.")
HTML = "text/html; charset=utf-8"

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


WORLD_ROW = "SELECT id, randomnumber FROM world WHERE id = %s"
# Compiled once; autoescape turns <, >, &, " and ' in a message into entities.
FORTUNES_PAGE = jinja2.Environment(autoescape=True).from_string(
    "<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table>"
    "<tr><th>id</th><th>message</th></tr>"
    "{% for id, message in fortunes %}"
    "<tr><td>{{ id }}</td><td>{{ message }}</td></tr>"
    "{% endfor %}"
    "</table></body></html>"
)


def world_row(conn: psycopg.Connection, ident: int) -> dict[str, int]:
    row = conn.execute(WORLD_ROW, (ident,)).fetchone()
    return {"id": row[0], "randomNumber": row[1]}


class Hello:
    def on_get(self, _req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = "text/plain; charset=utf-8"
        resp.data = HELLO


class Hit:
    def on_get(self, _req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = "application/json"
        try:
            count = _redis.incr(COUNTER_KEY)
        except redis.RedisError as exc:
            # One line per failure on stderr: the lab keeps the log of a trial with errors.
            LOG.warning("/hit answered 503: %s: %s", type(exc).__name__, exc)
            reason = f"{type(exc).__name__}: {exc}"
            resp.status = 503
            resp.data = json.dumps({"error": "redis unavailable", "reason": reason}).encode()
            return
        resp.data = json.dumps({"hit": count}).encode()


class Order:
    def on_get(self, _req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = PAYLOAD


class Upload:
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        # bounded_stream stops at Content-Length: a read() of the raw WSGI input could
        # block waiting for bytes that never come. Falcon sets no size limit.
        body = req.bounded_stream.read()
        resp.media = {"length": len(body), "sha256": hashlib.sha256(body).hexdigest()}


class Io:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        # Missing, not an integer or out of range: Falcon answers 400 itself.
        ms = req.get_param_as_int("ms", required=True, min_value=0, max_value=IO_MAX_MS)
        # Sync code on purpose: gevent has patched time.sleep into a greenlet switch.
        time.sleep(ms / 1000)
        resp.content_type = "text/plain; charset=utf-8"
        resp.data = HELLO


class SingleQuery:
    def on_get(self, _req: falcon.Request, resp: falcon.Response) -> None:
        with db().connection() as conn:
            resp.media = world_row(conn, random.randint(1, WORLD_ROWS))


class Queries:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        try:
            n = int(req.get_param("n") or 1)
        except ValueError:  # not an integer: one query, as the scenario's rule has it
            n = 1
        n = min(max(n, 1), QUERIES_MAX)
        # One connection for the request's queries, one round trip each.
        with db().connection() as conn:
            resp.media = [world_row(conn, random.randint(1, WORLD_ROWS)) for _ in range(n)]


class Fortunes:
    def on_get(self, _req: falcon.Request, resp: falcon.Response) -> None:
        with db().connection() as conn:
            rows = conn.execute("SELECT id, message FROM fortune").fetchall()
        rows.append(ADDED_FORTUNE)
        rows.sort(key=itemgetter(1))
        resp.content_type = HTML
        resp.text = FORTUNES_PAGE.render(fortunes=rows)


app = falcon.App()
app.add_route("/", Hello())
app.add_route("/hit", Hit())
app.add_route("/json", Order())
app.add_route("/upload", Upload())
app.add_route("/io", Io())
app.add_route("/db", SingleQuery())
app.add_route("/queries", Queries())
app.add_route("/fortunes", Fortunes())
