"""What the run's containers may use, and the largest settings that fit inside it.

The containers' limits live here, below the configuration, so that a value that cannot
fit (more gunicorn workers than the app container may hold, more connections than one
wrk can open) is refused with exit 2 before anything starts, not discovered as a
killed container minutes later.
"""

from __future__ import annotations

# Each container gets only what it needs (lab.images.containers applies these).
MEMORY = {"app": "1g", "redis": "256m", "postgres": "1g", "wrk": "512m"}
# The probe's burst mode opens a thread per request (up to a few hundred); PostgreSQL
# forks a backend per connection: 64 of one app's pool and its own dozen.
PIDS = {"app": 512, "redis": 64, "postgres": 256, "wrk": 1024}

# A gunicorn worker is a Python process of 40-60 MiB with the app loaded, plus the
# threads its worker class starts (gevent's resolver pool, aiohttp's executor): 16 of
# them stay well inside the app container's 1 GiB and 512 processes with the arbiter.
MAX_WORKERS = 16
# wrk opens every connection from one address to one port, so the client side's
# ephemeral ports (28,232 by Linux's default range) are a hard limit; the apps' gunicorn
# accepts 10,000 connections per worker (apps/gunicorn.conf.py), and a level beyond what
# one worker serves measures the listen queue, not the app.
MAX_CONNECTIONS = 10_000
# A trial's load, warmup or wrk timeout beyond an hour measures the host's drift, not the
# app; longer evidence comes from more repetitions, which the statistics can use.
MAX_TRIAL_S = 3600
