"""wrk's result, read from the single JSON line our Lua `done()` hook prints last.

wrk's human-readable text is never parsed: its units change with magnitude ("850us",
"6.00ms", "1.20s") and its layout is not a contract. The JSON line is ours, versioned by
`schema`, and gives raw counts and microseconds. Units are normalised here, once:
durations become seconds, latencies stay in microseconds (the `_us` names say so).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

WRK_SCHEMA = "lab.wrk/1"

# A line shown inside an error message is cut here so one bad run cannot flood a report.
_SNIPPET_CHARS = 80


class WrkOutputError(ValueError):
    """wrk's stdout has no usable result line; the message says exactly what is wrong."""


@dataclass(frozen=True, slots=True)
class WrkErrors:
    """wrk's error counters. `status` counts responses with HTTP status 400 or above
    (wrk's rule: a 3xx is not an error); `timeout` counts responses that arrived later
    than --timeout (wrk 4.1 counts nothing else there: a request never answered by the
    end of the run is not counted anywhere)."""

    connect: int
    read: int
    write: int
    status: int
    timeout: int

    @property
    def total(self) -> int:
        return self.connect + self.read + self.write + self.status + self.timeout

    def to_dict(self) -> dict[str, int]:
        return {
            "connect": self.connect,
            "read": self.read,
            "write": self.write,
            "status": self.status,
            "timeout": self.timeout,
        }

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, path: str = "", error: type[ValueError] = ValueError
    ) -> WrkErrors:
        """Read the five counters (other keys are ignored); `path` prefixes key names in errors."""
        return cls(
            connect=_count(data, "connect", path, error),
            read=_count(data, "read", path, error),
            write=_count(data, "write", path, error),
            status=_count(data, "status", path, error),
            timeout=_count(data, "timeout", path, error),
        )


LATENCY_KEYS = ("min", "mean", "stdev", "max", "p50", "p75", "p90", "p99", "p99_9")


@dataclass(frozen=True, slots=True)
class Latency:
    """Latency summary of one wrk run, in microseconds."""

    min: float
    mean: float
    stdev: float
    max: float
    p50: float
    p75: float
    p90: float
    p99: float
    p99_9: float

    def to_dict(self) -> dict[str, float]:
        return {
            "p50": self.p50,
            "p75": self.p75,
            "p90": self.p90,
            "p99": self.p99,
            "p99_9": self.p99_9,
            "mean": self.mean,
            "stdev": self.stdev,
            "min": self.min,
            "max": self.max,
        }

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, path: str = "", error: type[ValueError] = ValueError
    ) -> Latency:
        """Read the nine figures (other keys are ignored); `path` prefixes key names in errors."""
        return cls(**{name: _number(data, name, path, error) for name in LATENCY_KEYS})


@dataclass(frozen=True, slots=True)
class WrkResult:
    """One wrk run. `requests` includes the responses counted in `errors.status`."""

    duration_s: float
    requests: int
    bytes: int
    errors: WrkErrors
    latency_us: Latency

    @property
    def ok_responses(self) -> int:
        """Responses below status 400 that arrived within --timeout.

        wrk counts every response in `requests`, a >399 one also in errors.status, and one
        slower than --timeout also in errors.timeout (its latency, off the histogram's
        scale, is left out). A late response is a timeout, not a success; one both late
        and >399 is subtracted twice, so this never overstates the successes.
        """
        return max(0, self.requests - self.errors.status - self.errors.timeout)

    @property
    def rps(self) -> float:
        """Successful responses per second of the measured window."""
        return self.ok_responses / self.duration_s


def parse_wrk_output(stdout: str) -> WrkResult:
    """Read wrk's result from the last non-empty line of its stdout.

    Raises WrkOutputError naming the first problem found.
    """
    line = _last_line(stdout)
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise WrkOutputError(
            f"invalid JSON on the last line of wrk's output ({exc}): {_snippet(line)}"
        ) from exc
    if not isinstance(data, dict):
        raise WrkOutputError(f"wrk's JSON line is not an object: {_snippet(line)}")
    return _result_from(data)


def _last_line(stdout: str) -> str:
    lines = [line.strip() for line in stdout.splitlines() if line.strip()]
    if not lines:
        raise WrkOutputError("no JSON line found: wrk's output is empty")
    last = lines[-1]
    if not last.startswith("{"):
        raise WrkOutputError(
            "no JSON line found: the last non-empty line of wrk's output is not a JSON object"
            f" (did the Lua done() hook run?): {_snippet(last)}"
        )
    return last


def _result_from(data: Mapping[str, Any]) -> WrkResult:
    err = WrkOutputError
    if "schema" not in data:
        raise err("missing key 'schema'")
    if data["schema"] != WRK_SCHEMA:
        raise err(f"wrong schema: expected {WRK_SCHEMA!r}, got {data['schema']!r}")
    duration_us = _number(data, "duration_us", "", err)
    if duration_us == 0:
        raise err("key 'duration_us' is 0: wrk measured no time, so no rate can be computed")
    requests = _count(data, "requests", "", err)
    errors = WrkErrors.from_dict(_section(data, "errors"), path="errors.", error=err)
    if errors.status > requests:
        raise err(
            f"key 'errors.status' ({errors.status}) exceeds 'requests' ({requests}),"
            " but wrk counts every status error as a request"
        )
    return WrkResult(
        duration_s=duration_us / 1e6,
        requests=requests,
        bytes=_count(data, "bytes", "", err),
        errors=errors,
        latency_us=Latency.from_dict(_section(data, "latency_us"), path="latency_us.", error=err),
    )


def _section(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    if key not in data:
        raise WrkOutputError(f"missing key {key!r}")
    value = data[key]
    if not isinstance(value, dict):
        raise WrkOutputError(f"key {key!r} is not an object: {value!r}")
    return value


def _number(data: Mapping[str, Any], key: str, path: str, error: type[ValueError]) -> int | float:
    """A finite, non-negative number at `key`; ints stay ints."""
    name = f"{path}{key}"
    if key not in data:
        raise error(f"missing key {name!r}")
    value = data[key]
    # bool is an int subclass, but `true` is not a count.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise error(f"key {name!r} is not a number: {value!r}")
    if not math.isfinite(value):
        raise error(f"key {name!r} is not finite: {value!r}")
    if value < 0:
        raise error(f"key {name!r} is negative: {value!r}")
    return value


def _count(data: Mapping[str, Any], key: str, path: str, error: type[ValueError]) -> int:
    """A non-negative integer at `key`.

    Lua numbers are doubles, so an integral float such as 150000.0 is accepted as 150000.
    """
    value = _number(data, key, path, error)
    if isinstance(value, float):
        if not value.is_integer():
            raise error(f"key {f'{path}{key}'!r} is not a whole number: {value!r}")
        return int(value)
    return value


def _snippet(line: str) -> str:
    if len(line) <= _SNIPPET_CHARS:
        return repr(line)
    return repr(line[:_SNIPPET_CHARS]) + "..."
