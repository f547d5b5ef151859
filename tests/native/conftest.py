"""The open-loop generator (images/openload/openload.c), built with the host's gcc, and the
small HTTP servers it is driven against: threads of the standard library on 127.0.0.1.

Every test here carries the `native` marker: no Docker, seconds.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import signal
import socket
import socketserver
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from lab.measure.histogram import Histogram, bucket_of, histogram_from

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "images" / "openload" / "build.sh"
NATIVE = Path(__file__).parent

OK_BODY = b"Hello, world!"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if NATIVE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.native)


def build(out: Path, cflags: str = "") -> Path:
    """Compiles openload with build.sh (the Dockerfile's command); a failure fails the test."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed on this host: cannot build the open-loop generator")
    env = {**os.environ, "OPENLOAD_CFLAGS": cflags}
    done = subprocess.run(
        ["sh", str(BUILD), str(out)], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        pytest.fail(f"openload did not compile ({cflags or 'plain'}):\n{done.stderr}")
    return out


@pytest.fixture(scope="session")
def openload(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("openload") / "openload")


@pytest.fixture(scope="session")
def openload_asan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("openload-asan") / "openload"
    return build(path, "-fsanitize=address,undefined -fno-sanitize-recover=all -g -O1")


# ---- running it --------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """One run of openload: its exit code, its parsed JSON line, stderr, its CPU seconds."""

    returncode: int
    doc: dict[str, Any]
    stderr: str
    cpu_s: float
    wall_s: float

    @property
    def errors(self) -> dict[str, int]:
        return dict(self.doc["errors"])

    @property
    def latency(self) -> Histogram:
        return histogram_from(self.doc["latency_us"])

    def assert_invariant(self) -> None:
        d, e = self.doc, self.errors
        outcomes = d["completed"] + e["connect"] + e["read"] + e["write"] + e["timeout"]
        assert d["scheduled"] == outcomes + d["dropped"], d
        assert 0 <= e["status"] <= d["completed"] <= d["sent"] <= d["scheduled"], d
        buckets = d["latency_us"]["buckets"]
        assert sum(count for _, count in buckets) == d["completed"], d
        if buckets:  # the exact extremes sit in the first and last bucket: the same layout
            assert buckets[0][0] == bucket_of(self.latency.min_us), d
            assert buckets[-1][0] == bucket_of(self.latency.max_us), d


def parse(stdout: str) -> dict[str, Any]:
    lines = stdout.splitlines()
    assert len(lines) == 1, f"expected one line on stdout, got {stdout!r}"
    doc = json.loads(lines[0])
    assert isinstance(doc, dict)
    assert doc["schema"] == "lab.openload/1"
    return doc


def start(binary: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(binary), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish(proc: subprocess.Popen[str], began: float, limit: float) -> Result:
    """Waits for `proc` (killing it past `limit` seconds), reading its output meanwhile (a
    long bucket list fills a pipe), and reaps it with wait4 for its CPU time."""
    output: dict[str, str] = {}
    readers = [
        threading.Thread(target=lambda n=n, f=f: output.__setitem__(n, f.read()))
        for n, f in (("stdout", proc.stdout), ("stderr", proc.stderr))
    ]
    for reader in readers:
        reader.start()
    deadline = began + limit
    while (reaped := os.wait4(proc.pid, os.WNOHANG))[0] == 0:
        if time.monotonic() > deadline:
            proc.kill()
            reaped = os.wait4(proc.pid, 0)
            break
        time.sleep(0.01)
    _, status, usage = reaped
    proc.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join()
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    proc.stderr.close()
    stdout, stderr = output["stdout"], output["stderr"]
    assert time.monotonic() <= deadline, f"openload ran past {limit} s; stderr: {stderr}"
    wall = time.monotonic() - began
    return Result(proc.returncode, parse(stdout), stderr, usage.ru_utime + usage.ru_stime, wall)


def run(binary: Path, *args: str, limit: float = 30.0) -> Result:
    began = time.monotonic()
    return finish(start(binary, *args), began, limit)


def interrupt_after(binary: Path, delay: float, *args: str) -> tuple[Result, float]:
    """Starts a run, sends SIGINT after `delay` s; also returns how long it took to exit."""
    began = time.monotonic()
    proc = start(binary, *args)
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    sent = time.monotonic()
    result = finish(proc, began, delay + 5)
    return result, time.monotonic() - sent


# ---- the servers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Arrival:
    at: float  # time.monotonic(): CLOCK_MONOTONIC, the generator's clock too
    connection: int
    path: str


@dataclass
class Server:
    """HTTP/1.1 on 127.0.0.1, a thread per connection; what it does depends on the path:

    /ok            200 at once           /delay/MS     200 after MS milliseconds
    /mixed         every 10th request (over all connections) answered after 200 ms
    /status/CODE   CODE at once          /never        reads, never answers
    /cut           half a body, then closes            /chunked      a chunked 200
    /close         200 with Connection: close, then closes

    `stall` = (start, end) in time.monotonic(): an answer due in it waits for its end.
    """

    port: int = 0
    arrivals: list[Arrival] = field(default_factory=list)
    stall: tuple[float, float] | None = None
    _count: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _connections: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answer(self, path: str, arrived: float, number: int) -> tuple[bytes, bool]:
        """The bytes to send and whether to close afterwards."""
        if path.startswith("/delay/"):
            time.sleep(int(path.rsplit("/", 1)[1]) / 1000)
        if path == "/mixed" and number % 10 == 0:
            time.sleep(0.2)
        if self.stall and self.stall[0] <= arrived < self.stall[1]:
            time.sleep(max(0.0, self.stall[1] - time.monotonic()))
        if path.startswith("/status/"):
            code = int(path.rsplit("/", 1)[1])
            return response(code, b"no"), False
        if path == "/cut":
            head = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
            return head + b"x" * 10, True
        if path == "/chunked":
            body = b"6\r\nHello,\r\n7\r\n world!\r\n0\r\n\r\n"
            return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body, False
        if path == "/close":
            return response(200, OK_BODY, b"Connection: close\r\n"), True
        return response(200, OK_BODY), False

    def serve(self, sock: socket.socket) -> None:
        connection = next(self._connections)
        reader = sock.makefile("rb")
        with contextlib.suppress(OSError), reader:
            while True:
                request = reader.readline()
                if not request:
                    return
                while reader.readline() not in (b"\r\n", b"\n", b""):
                    pass
                arrived = time.monotonic()
                path = request.split(b" ")[1].decode()
                self.arrivals.append(Arrival(arrived, connection, path))
                number = next(self._count)
                if path == "/never":
                    while reader.read(1):
                        pass
                    return
                data, close = self.answer(path, arrived, number)
                sock.sendall(data)
                if close:
                    return


def response(code: int, body: bytes, extra: bytes = b"") -> bytes:
    head = f"HTTP/1.1 {code} X\r\nContent-Length: {len(body)}\r\n".encode()
    return head + extra + b"\r\n" + body


class _TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256  # every connection of a run connects at once


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server()

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            state.serve(self.request)

    with _TCPServer(("127.0.0.1", 0), Handler) as tcp:
        state.port = tcp.server_address[1]
        thread = threading.Thread(target=tcp.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        try:
            yield state
        finally:
            tcp.shutdown()
            thread.join()


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (just released by the kernel)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
