"""gunicorn settings for both apps, read from the environment the lab sets.

One file for both frameworks so that the only difference between the images is
the framework and its worker class.
"""

import os

bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WORKERS", "1"))
worker_class = os.environ.get("WORKER_CLASS", "sync")
keepalive = int(os.environ.get("KEEPALIVE", "75"))
# The gevent worker honours this cap on concurrent connections per worker; the
# default (1000) already covers the lab's connection levels.
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "10000"))
# Off by default: writing a log line per request costs throughput. The original
# article ran with it on, so the lab can switch it on.
accesslog = "-" if os.environ.get("ACCESS_LOG", "0") == "1" else None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
# A worker busy for this long is killed; generous, since a saturated worker is expected.
timeout = int(os.environ.get("WORKER_TIMEOUT", "60"))
graceful_timeout = 5
# gunicorn's runtime control socket (for gunicornc) is not used by the lab, and the
# app user has no writable home for it.
control_socket_disable = True
