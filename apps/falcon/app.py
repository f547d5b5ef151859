"""The article's two endpoints on Falcon (WSGI), served by gunicorn's gevent worker.

The gevent worker, not the sync one: gunicorn's sync worker closes every
connection after one request (no keep-alive). The gevent worker monkey-patches
the standard library before it imports this module (never use --preload), so
redis-py's sync client yields to other greenlets while it waits on Redis.
"""

import json
import logging
import os

import falcon
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

HELLO = b"Hello, world!"
COUNTER_KEY = os.environ.get("COUNTER_KEY", "lab:hits")
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


app = falcon.App()
app.add_route("/", Hello())
app.add_route("/hit", Hit())
