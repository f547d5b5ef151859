"""A user's own app: a folder outside the checkout, locked, built, verified and run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lab.images.labels import IMAGE_NAME, VERSIONS
from tests.integration.conftest import lab

MANIFEST = """\
# A raw ASGI app, no framework: the smallest thing that answers like the lab's apps.
description = "raw ASGI on uvicorn (asyncio, h11)"
framework = "uvicorn"
scenarios = ["hello", "hit"]

[server]
name = "uvicorn"
target = "app:app"
loop = "asyncio"
http = "h11"
"""

APP = '''\
"""GET / and GET /hit as raw ASGI, with redis.asyncio's blocking pool."""
import json
import os

import redis.asyncio

POOL = None


async def app(scope, receive, send):
    global POOL
    if scope["type"] != "http":
        return
    if scope["path"] == "/hit":
        if POOL is None:
            POOL = redis.asyncio.BlockingConnectionPool.from_url(
                os.environ["REDIS_URL"], max_connections=64, timeout=5
            )
        count = await redis.asyncio.Redis(connection_pool=POOL).incr("lab:hits")
        body, kind = json.dumps({"hit": count}).encode(), b"application/json"
    else:
        body, kind = b"Hello, world!", b"text/plain; charset=utf-8"
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
'''


def test_a_folder_outside_the_checkout_is_locked_built_verified_and_run(
    tmp_path: Path, docker_client: Any, images: dict[str, str]
) -> None:
    del images  # built first: the run starts from the lab's own images too
    folder = tmp_path / "myapp"
    folder.mkdir()
    (folder / "app.toml").write_text(MANIFEST)
    (folder / "app.py").write_text(APP)
    (folder / "requirements.in").write_text("uvicorn\nredis\n")
    out = tmp_path / "results"
    try:
        done = lab(
            "run", "--apps", f"{folder},flask", "--preset", "quick", "--repetitions", "1",
            "--no-ceiling", "--out", str(out), timeout=900,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        assert "locking" in done.stderr
        lock = (folder / "requirements.lock").read_text()
        assert "uvicorn==" in lock and "--hash=sha256:" in lock

        (run_dir,) = out.iterdir()
        run = json.loads((run_dir / "run.json").read_text())
        assert run["parameters"]["app_folders"] == [str(folder)]
        assert run["parameters"]["apps"] == ["myapp", "flask"]
        built = run["provenance"]["images"]["myapp"]
        assert built["labels"][VERSIONS].startswith("uvicorn==")
        assert run["effective"]["apps"]["myapp"]["command"][:2] == ["uvicorn", "app:app"]
        trials = [json.loads(p.read_text()) for p in sorted((run_dir / "trials").glob("*.json"))]
        mine = [t for t in trials if t["app"] == "myapp"]
        assert sorted(t["scenario"] for t in mine) == ["hello", "hit"]
        assert all(t["status"] == "ok" for t in trials), [t["reason"] for t in trials]
        assert all(t["verification"]["problems"] == [] for t in mine)
        assert "myapp" in (run_dir / "report.html").read_text()
    finally:
        for image in docker_client.images.list(filters={"label": f"{IMAGE_NAME}=myapp"}):
            docker_client.images.remove(image.id, force=True)
