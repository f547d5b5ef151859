"""openload against local servers: its schedule, its histogram, coordinated omission, its
error counts, its invariant, Ctrl-C, bad flags, a sanitizer build and its idle CPU.

Tolerances are wide enough for a noisy 2-core host, each still tight enough to catch the
mistake it is about (a closed loop, a wrong bucket, a spinning sleep).
"""

from __future__ import annotations

import itertools
import statistics
import subprocess
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from lab.measure.histogram import Histogram, bucket_bounds, histogram_from
from lab.model.mix import smooth_order
from tests.native.conftest import OK_BODY, Server, interrupt_after, response, run

MS = 1000  # the histogram counts microseconds


def share_at_least(histogram: Histogram, low_us: int) -> int:
    """How many values are surely >= low_us (their whole bucket is)."""
    return sum(n for index, n in histogram.counts.items() if bucket_bounds(index)[0] >= low_us)


def test_it_keeps_its_schedule(openload: Path, server: Server) -> None:
    result = run(openload, "-R", "500", "-c", "10", "-d", "2", "-w", "0.5", f"{server.url}/ok")

    assert result.returncode == 0, result.stderr
    result.assert_invariant()
    assert result.doc["scheduled"] == 1000
    assert result.doc["completed"] >= 990
    assert result.doc["window_us"] == 2_000_000
    assert result.doc["elapsed_us"] >= 2_500_000
    # The server's view: 500 arrivals in each second of the window, and each connection
    # every 20 ms. The first arrival is t0 (connection 0's first request) plus a connect.
    arrivals = server.arrivals
    window = min(a.at for a in arrivals) + 0.5
    per_second = [sum(window + s <= a.at < window + s + 1 for a in arrivals) for s in (0, 1)]
    assert all(450 <= n <= 550 for n in per_second), per_second
    times: defaultdict[int, list[float]] = defaultdict(list)
    for a in arrivals:
        times[a.connection].append(a.at)
    assert len(times) == 10
    for connection, seen in times.items():
        gaps = [b - a for a, b in itertools.pairwise(seen)]
        assert 0.018 <= statistics.median(gaps) <= 0.022, (connection, statistics.median(gaps))


def test_its_percentiles_match_a_known_delay(openload: Path, server: Server) -> None:
    result = run(
        openload, "-R", "100", "-c", "10", "-d", "2", "-w", "0.2", f"{server.url}/delay/30"
    )

    assert result.returncode == 0, result.stderr
    result.assert_invariant()
    assert result.doc["completed"] == result.doc["scheduled"] == 200
    latency = result.latency
    assert latency.min_us >= 30 * MS  # never below what the server waited
    assert 30 * MS <= latency.percentile(50) <= 33 * MS
    assert 30 * MS <= latency.percentile(99) <= 40 * MS


def test_a_slow_tenth_shows_in_the_tail_only(openload: Path, server: Server) -> None:
    result = run(openload, "-R", "100", "-c", "10", "-d", "2", "-w", "0.2", f"{server.url}/mixed")

    assert result.returncode == 0, result.stderr
    result.assert_invariant()
    assert result.doc["completed"] == result.doc["scheduled"] == 200
    assert result.latency.percentile(50) <= 10 * MS
    assert result.latency.percentile(99) >= 200 * MS


def test_a_stall_is_measured_from_the_intended_send_times(openload: Path, server: Server) -> None:
    """A 500 ms stall at 200 req/s delays the ~100 requests meant for it, not just the 10
    in flight: a closed-loop (or naive) count would show 10 slow requests, not ~80."""
    began = time.monotonic()
    server.stall = (began + 2.0, began + 2.5)  # 1.5 s into the window
    result = run(openload, "-R", "200", "-c", "10", "-d", "3", "-w", "0.5", f"{server.url}/ok")

    assert result.returncode == 0, result.stderr
    result.assert_invariant()
    assert result.doc["completed"] == result.doc["scheduled"] == 600
    latency = result.latency
    assert latency.percentile(99) >= 250 * MS
    assert 450 * MS <= latency.max_us <= 700 * MS
    assert share_at_least(latency, 100 * MS) >= 50  # ~80 expected; a naive count gives 10
    fast = latency.total - share_at_least(latency, 20 * MS)
    assert fast >= 0.7 * latency.total  # before and after the stall: quick
    # The same requests timed from when each was really sent: the naive view, in which
    # only the 10 in flight saw the stall.
    service = histogram_from(result.doc["service_us"])
    assert service.total == latency.total
    assert share_at_least(service, 100 * MS) <= 12
    assert service.percentile(95) < 100 * MS <= latency.percentile(95)


def test_error_answers_count_as_completed_and_as_status_errors(
    openload: Path, server: Server
) -> None:
    result = run(openload, "-R", "50", "-c", "2", "-d", "1", f"{server.url}/status/500")

    assert result.returncode == 0, result.stderr
    result.assert_invariant()
    assert result.doc["completed"] == result.doc["scheduled"] == 50
    assert result.errors["status"] == 50
    assert result.errors["read"] == result.errors["connect"] == 0


def test_nothing_listening_counts_connect_errors(openload: Path, closed_port: int) -> None:
    result = run(openload, "-R", "50", "-c", "2", "-d", "1", f"http://127.0.0.1:{closed_port}/")

    assert result.returncode == 0, result.stderr
    result.assert_invariant()
    assert result.doc["completed"] == 0
    assert result.errors["connect"] == result.doc["scheduled"] == 50


def test_a_silent_server_counts_timeouts(openload: Path, server: Server) -> None:
    result = run(
        openload, "-R", "10", "-c", "2", "-d", "1", "--timeout", "1", f"{server.url}/never"
    )

    assert result.returncode == 0, result.stderr
    result.assert_invariant()
    assert result.doc["completed"] == 0
    assert result.errors["timeout"] > 0
    assert result.doc["elapsed_us"] <= 2_500_000  # the window, then at most the timeout


def test_a_cut_response_counts_read_errors(openload: Path, server: Server) -> None:
    result = run(openload, "-R", "20", "-c", "2", "-d", "1", f"{server.url}/cut")

    assert result.returncode == 0, result.stderr
    result.assert_invariant()
    assert result.doc["completed"] == 0
    assert result.errors["read"] == result.doc["scheduled"] == 20


@pytest.mark.parametrize("path", ["/chunked", "/close"])
def test_chunked_and_closing_answers_are_read_whole(
    openload: Path, server: Server, path: str
) -> None:
    result = run(openload, "-R", "50", "-c", "2", "-d", "1", f"{server.url}{path}")

    assert result.returncode == 0, result.stderr
    result.assert_invariant()
    assert result.doc["completed"] == result.doc["scheduled"] == 50
    assert sum(result.errors.values()) == 0
    if path == "/close":  # a new connection for every request
        connections = Counter(a.connection for a in server.arrivals)
        assert set(connections.values()) == {1}
        size = len(response(200, OK_BODY, b"Connection: close\r\n"))
        assert result.doc["bytes"] == 50 * size


def test_ctrl_c_prints_what_it_has_and_exits_130(openload: Path, server: Server) -> None:
    result, exit_s = interrupt_after(
        openload, 1.0, "-R", "100", "-c", "4", "-d", "30", f"{server.url}/delay/20"
    )

    assert result.returncode == 130, result.stderr
    assert exit_s < 1.0
    assert result.doc["interrupted"] is True
    result.assert_invariant()
    assert 80 <= result.doc["scheduled"] <= 130  # what had come due, not 30 s of it
    assert result.doc["completed"] >= 50
    assert result.doc["dropped"] <= 4  # at most one in flight per connection


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["-R", "0", "-c", "1", "-d", "1", "http://127.0.0.1:1/"], "-R 0"),
        (["-R", "abc", "-c", "1", "-d", "1", "http://127.0.0.1:1/"], "-R abc"),
        (["-R", "10", "-c", "0", "-d", "1", "http://127.0.0.1:1/"], "-c 0"),
        (["-R", "10", "-c", "2", "-t", "3", "-d", "1", "http://127.0.0.1:1/"], "-t 3"),
        (["-R", "10", "-c", "1", "-d", "-1", "http://127.0.0.1:1/"], "-d -1"),
        (["-R", "10", "-c", "1", "-d", "1", "-w", "x", "http://127.0.0.1:1/"], "-w x"),
        (
            ["-R", "10", "-c", "1", "-d", "1", "--timeout", "0", "http://127.0.0.1:1/"],
            "--timeout 0",
        ),
        (["-R", "10", "-c", "1", "-d", "1"], "URL"),
        (["-R", "10", "-c", "1", "http://127.0.0.1:1/"], "-d"),
        (["-R", "10", "-c", "1", "-d", "1", "https://127.0.0.1:1/"], "https://127.0.0.1:1/"),
        (["-R", "10", "-c", "1", "-d", "1", "http://127.0.0.1:0/"], "http://127.0.0.1:0/"),
        (["-R", "10", "-c", "1", "-d", "1", "--rate", "3", "http://x/"], "--rate"),
        (["-R", "10", "-c", "1", "-d", "1", "-t"], "-t"),
        (["-R", "10", "-c", "1", "-d", "1", "--mix", "0:/a", "http://x/"], "--mix 0:/a"),
        (["-R", "10", "-c", "1", "-d", "1", "--mix", "2/a", "http://x/"], "--mix 2/a"),
        (["-R", "10", "-c", "1", "-d", "1", "--mix", "2:a", "http://x/"], "--mix 2:a"),
        (["-R", "10", "-c", "1", "-d", "1", "--mix", "1:/a", "http://x/b"], "http://x/b"),
        (["-R", "10", "-c", "1", "-d", "1", "--mix", "1:/a b", "http://x/"], "/a b"),
        (["-R", "10", "-c", "1", "-d", "1", *["--mix", "1:/a"] * 17, "http://x/"], "--mix"),
        (
            ["-R", "10", "-c", "1", "-d", "1", "--mix", "999:/a", "--mix", "2:/b", "http://x/"],
            "--mix",
        ),
    ],
)
def test_bad_flags_exit_2_naming_the_flag(openload: Path, args: list[str], named: str) -> None:
    done = subprocess.run([str(openload), *args], capture_output=True, text=True, check=False)

    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1
    assert named in done.stderr


@pytest.mark.parametrize("path", ["/ok", "/chunked", "/cut", "/close", "/delay/5"])
def test_the_sanitizer_build_runs_clean(openload_asan: Path, server: Server, path: str) -> None:
    result = run(openload_asan, "-R", "200", "-c", "4", "-t", "2", "-d", "0.5", server.url + path)

    assert result.returncode == 0, result.stderr
    assert "Sanitizer" not in result.stderr
    assert "runtime error" not in result.stderr
    result.assert_invariant()
    assert result.doc["scheduled"] == 100


def test_it_sleeps_between_sends_at_low_rates(openload: Path, server: Server) -> None:
    result = run(openload, "-R", "50", "-c", "10", "-d", "2", f"{server.url}/ok")

    assert result.returncode == 0, result.stderr
    result.assert_invariant()
    assert result.doc["completed"] == 100
    assert result.cpu_s < 0.2, f"{result.cpu_s:.3f} CPU s for 2 s at 50 req/s"


def test_a_mix_arrives_in_its_smooth_weighted_order_whatever_the_threads(
    openload: Path, server: Server
) -> None:
    """The n-th request of the schedule goes to the part at n of one cycle of
    lab.model.mix.smooth_order: the arrivals, in time, are that cycle repeated."""
    weights = {"/ok?a": 2, "/ok?b": 2, "/delay/1": 1}
    mix = [word for path, w in weights.items() for word in ("--mix", f"{w}:{path}")]
    result = run(openload, "-R", "400", "-c", "8", "-t", "2", "-d", "1", *mix, server.url + "/")

    assert result.returncode == 0, result.stderr
    result.assert_invariant()
    assert result.doc["completed"] == result.doc["scheduled"] == 400
    cycle = [list(weights)[i] for i in smooth_order(list(weights.values()))]
    assert cycle == ["/ok?a", "/ok?b", "/delay/1", "/ok?a", "/ok?b"]
    # 2.5 ms apart, each on a connection of its own for 20 ms: the arrivals keep the order.
    seen = [a.path for a in sorted(server.arrivals, key=lambda a: a.at)]
    assert Counter(seen) == {"/ok?a": 160, "/ok?b": 160, "/delay/1": 80}
    in_order = sum(path == cycle[n % len(cycle)] for n, path in enumerate(seen))
    assert in_order >= 0.95 * len(seen), seen[:20]
