"""The open-loop generator's result (its one JSON line, schema lab.openload/1), and whether
a point it measured is valid.

A point is valid when the generator kept its promise: it offered the asked rate and every
request of the window got its answer (at least 99% of the rate achieved, nothing dropped,
no request lost to an error, no HTTP error) and it sent each request on time (its own
schedule lag small), so the latencies are the app's and not the generator's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lab.measure.histogram import Histogram, histogram_from

OPENLOAD_SCHEMA = "lab.openload/1"
ERROR_KINDS = ("connect", "read", "write", "status", "timeout")
# A point achieves at least this share of its rate, or it did not offer that load.
MIN_ACHIEVED = 0.99
# The generator sends 99% of its requests within this of when they were due (once their
# connection is free); later, its own lateness would be charged to the app.
MAX_LAG_P99_US = 5_000


class OpenOutputError(ValueError):
    """The generator printed no usable result line; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class OpenResult:
    rate: float
    connections: int
    window_s: float
    scheduled: int
    sent: int
    completed: int
    dropped: int
    bytes: int
    errors: Mapping[str, int]
    latency: Histogram  # from each request's intended send time: what a user waited
    lag_p99_us: int
    lag_max_us: int
    interrupted: bool
    # The same requests from when each was really sent: what a naive (coordinated-omission)
    # count reports. None in a line from a generator that did not print it.
    service: Histogram | None = None

    @property
    def achieved_rps(self) -> float:
        """Answers per second of the window (answers to requests due in it)."""
        return self.completed / self.window_s

    @property
    def lost(self) -> int:
        """Requests of the window that got no answer: errors other than HTTP status."""
        return sum(self.errors[kind] for kind in ERROR_KINDS if kind != "status")


def parse_open_output(stdout: str) -> OpenResult:
    """The result from the last non-empty line of the generator's stdout."""
    lines = [line.strip() for line in stdout.splitlines() if line.strip()]
    if not lines:
        raise OpenOutputError("no JSON line found: the generator's output is empty")
    try:
        data = json.loads(lines[-1])
    except json.JSONDecodeError as exc:
        raise OpenOutputError(f"invalid JSON on the generator's last line ({exc})") from exc
    if not isinstance(data, dict):
        raise OpenOutputError("the generator's JSON line is not an object")
    if data.get("schema") != OPENLOAD_SCHEMA:
        raise OpenOutputError(
            f"wrong schema: expected {OPENLOAD_SCHEMA!r}, got {data.get('schema')!r}"
        )
    try:
        return _result(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise OpenOutputError(f"the generator's JSON line is malformed: {exc}") from exc


def _result(data: Mapping[str, Any]) -> OpenResult:
    def count(value: Any, name: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name!r} is not a count: {value!r}")
        return value

    errors = {kind: count(data["errors"][kind], f"errors.{kind}") for kind in ERROR_KINDS}
    window_us = count(data["window_us"], "window_us")
    if window_us == 0:
        raise ValueError("'window_us' is 0: no window was measured")
    lag = data["lag_us"]
    result = OpenResult(
        rate=float(data["rate"]),
        connections=count(data["connections"], "connections"),
        window_s=window_us / 1e6,
        scheduled=count(data["scheduled"], "scheduled"),
        sent=count(data["sent"], "sent"),
        completed=count(data["completed"], "completed"),
        dropped=count(data["dropped"], "dropped"),
        bytes=count(data["bytes"], "bytes"),
        errors=errors,
        latency=histogram_from(data["latency_us"]),
        lag_p99_us=count(lag["p99"], "lag_us.p99"),
        lag_max_us=count(lag["max"], "lag_us.max"),
        interrupted=bool(data.get("interrupted", False)),
        service=histogram_from(data["service_us"]) if "service_us" in data else None,
    )
    accounted = result.completed + result.lost + result.dropped
    if accounted != result.scheduled:
        raise ValueError(
            f"{result.scheduled} requests scheduled but {accounted} accounted for"
            " (completed + connect, read, write and timeout errors + dropped)"
        )
    if result.latency.total != result.completed:
        raise ValueError(
            f"the histogram holds {result.latency.total} latencies for"
            f" {result.completed} completed requests"
        )
    if result.service is not None and result.service.total != result.completed:
        raise ValueError(
            f"the service-time histogram holds {result.service.total} values for"
            f" {result.completed} completed requests"
        )
    return result


def invalid_because(result: OpenResult, rate: float) -> str | None:
    """Why a point does not show the app at `rate` requests/s; None when it does."""
    reasons = []
    if result.interrupted:
        reasons.append("interrupted")
    achieved = result.achieved_rps / rate if rate > 0 else 0.0
    if achieved < MIN_ACHIEVED:
        reasons.append(f"achieved {result.achieved_rps:,.0f} of {rate:,.0f} req/s ({achieved:.1%})")
    if result.dropped:
        reasons.append(f"{result.dropped:,} requests due in the window never answered")
    lost = {kind: result.errors[kind] for kind in ERROR_KINDS if result.errors[kind]}
    if lost:
        reasons.append("errors: " + ", ".join(f"{n:,} {kind}" for kind, n in lost.items()))
    if result.lag_p99_us > MAX_LAG_P99_US:
        reasons.append(
            f"the generator fell behind its schedule (p99 lag {result.lag_p99_us / 1000:.1f} ms,"
            f" limit {MAX_LAG_P99_US / 1000:g} ms)"
        )
    return "; ".join(reasons) or None
