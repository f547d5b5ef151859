"""`lab bisect` finds the release that made an app slower, on a local package index.

The index is a folder of wheels this test writes: versions 1.0 to 1.6 of a tiny package
whose 1.4 adds work to every request. An app folder calls it on every `GET /`; bisect,
told only that 1.0 was fast and 1.6 slow, must name 1.4 within ceil(log2 7) + 1 gates,
building each version's image once.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import zipfile
from pathlib import Path
from typing import Any

from lab.images.labels import IMAGE_NAME
from tests.integration.conftest import lab

PACKAGE = "labbisectprobe"
VERSIONS = ("1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6")
SLOW_FROM = "1.4"

MANIFEST = """\
description = "raw ASGI on uvicorn, calling labbisectprobe on every request"
framework = "uvicorn"
scenarios = ["hello"]

[server]
name = "uvicorn"
target = "app:app"
loop = "asyncio"
http = "h11"
"""

APP = """\
import labbisectprobe


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    labbisectprobe.work()
    body = b"Hello, world!"
    headers = [(b"content-type", b"text/plain; charset=utf-8"),
               (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
"""


def module(version: str) -> str:
    """1.4 and later burn about 100 us a request: a regression no noise can hide."""
    slow = tuple(int(n) for n in version.split(".")) >= (1, 4)
    rounds = 400 if slow else 0
    return (
        "import hashlib\n\n\n"
        "def work():\n"
        "    digest = b'probe'\n"
        f"    for _ in range({rounds}):\n"
        "        digest = hashlib.sha256(digest).digest()\n"
        "    return digest\n"
    )


def write_wheel(folder: Path, version: str) -> Path:
    """A pure-Python wheel (PEP 427) of the package at `version`, RECORD and all."""
    info = f"{PACKAGE}-{version}.dist-info"
    files = {
        f"{PACKAGE}/__init__.py": module(version).encode(),
        f"{info}/METADATA": (
            f"Metadata-Version: 2.1\nName: {PACKAGE}\nVersion: {version}\n"
        ).encode(),
        f"{info}/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: lab-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = [
        f"{name},sha256="
        + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        + f",{len(data)}"
        for name, data in files.items()
    ]
    files[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    path = folder / f"{PACKAGE}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for name, data in files.items():
            wheel.writestr(name, data)
    return path


def test_bisect_names_the_release_that_made_the_app_slower(
    tmp_path: Path, docker_client: Any, images: dict[str, str]
) -> None:
    del images  # the lab's own images first: every gate starts Redis and wrk from them
    index = tmp_path / "index"
    index.mkdir()
    for version in VERSIONS:
        write_wheel(index, version)
    app = tmp_path / "probeapp"
    app.mkdir()
    (app / "app.toml").write_text(MANIFEST)
    (app / "app.py").write_text(APP)
    (app / "requirements.in").write_text(f"uvicorn\n{PACKAGE}\n")
    out = tmp_path / "results"
    try:
        done = lab(
            "bisect", "--app", str(app), "--package", PACKAGE, "--good", "1.0", "--bad", "1.6",
            "--find-links", str(index), "--scenario", "hello", "--repetitions", "4",
            "--duration", "2", "--warmup", "1", "--no-ceiling", "--out", str(out),
            timeout=1800,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        assert f"first regressed: {PACKAGE} {SLOW_FROM} (1.3 passed)" in done.stdout
        (home,) = out.iterdir()
        state = json.loads((home / "bisect.json").read_text())
        assert state["kind"] == "lab.bisect" and state["releases"] == list(VERSIONS)
        assert (state["ended"], state["first_bad"], state["last_good"]) == ("found", "1.4", "1.3")
        steps = state["steps"]
        assert 1 <= len(steps) <= math.ceil(math.log2(len(VERSIONS))) + 1
        assert steps[0]["version"] == "1.6" and steps[0]["outcome"] == "regressed"
        for step in steps:  # every step's gate is kept
            gate = json.loads((Path(step["run_dir"]) / "gate.json").read_text())
            slower = tuple(map(int, step["version"].split("."))) >= (1, 4)
            assert gate["outcome"] == ("regressed" if slower else "pass"), gate
        # Each version's image was built once: good's, made for the first gate, was reused.
        built = [line for line in done.stderr.splitlines() if ": building lab/" in line]
        assert len(built) == len({line.split(": building")[0] for line in built})
        assert len(built) == len({step["version"] for step in steps}) + 1

        again = lab("bisect", "--app", str(app), "--package", PACKAGE, "--good", "1.0",
                    "--bad", "1.6", "--find-links", str(index), "--out", str(out))  # fmt: skip
        assert again.returncode == 0, again.stderr[-2000:]
        assert f"first regressed: {PACKAGE} {SLOW_FROM}" in again.stdout
        assert ": building" not in again.stderr  # resumed from bisect.json: no gate ran
    finally:
        for image in docker_client.images.list(filters={"label": IMAGE_NAME}):
            if image.labels.get(IMAGE_NAME, "").startswith("probeapp"):
                docker_client.images.remove(image.id, force=True)
