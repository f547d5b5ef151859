"""The lab's endpoints on Falcon (WSGI), served by gunicorn's gevent worker.

`GET /` says hello, `GET /hit` increments a Redis counter, `GET /json` returns the
order in payload.json, `POST /upload` answers the length and SHA-256 of the body,
and `GET /io?ms=N` waits N ms (a slow upstream) and says hello.

The gevent worker, not the sync one: gunicorn's sync worker closes every
connection after one request (no keep-alive). The gevent worker monkey-patches
the standard library before it imports this module (never use --preload), so
redis-py's sync client and `time.sleep` yield to other greenlets while they wait.
"""

import hashlib
import json
import logging
import os
import time
from pathlib import Path

import falcon
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

HELLO = b"Hello, world!"
COUNTER_KEY = os.environ.get("COUNTER_KEY", "lab:hits")
LOG = logging.getLogger("gunicorn.error")
# Copied beside this module into every image from apps/payload.json; read once, served
# as a dict that Falcon's JSON media handler serialises per request.
PAYLOAD = json.loads(Path(__file__).with_name("payload.json").read_bytes())
IO_MAX_MS = 1000

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


app = falcon.App()
app.add_route("/", Hello())
app.add_route("/hit", Hit())
app.add_route("/json", Order())
app.add_route("/upload", Upload())
app.add_route("/io", Io())
