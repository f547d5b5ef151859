"""Scenarios as data: the request a generator repeats, what a right answer is, and what
the app needs besides itself.

The lab's own scenarios are below; an app folder's manifest may declare more
(lab.model.appfolder). Every scenario's answers are checked before any load
(lab.measure.verify), with the same request the generator then sends.

A lab scenario's body is never a file the lab ships: it is `body_bytes` of the lab's body
pattern (`request_body`), which the probe (images/wrk/probe.py) and wrk's script
(images/wrk/report.lua) make the same way, so an upload answer can be checked exactly. A
manifest's own scenario may send a text body of its own (`body_text`), passed to both
as it is.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from lab.model.mix import LAB_MIX, Mix, lab_mix
from lab.model.tables import QUERIES, FortunesPage, TableRule, WorldRow, WorldRows
from lab.paths import ROOT

BODY_PATTERN = b"0123456789abcdef"
HELLO = "Hello, world!"
# The json scenario's object: one file, copied into every app image as /app/payload.json.
PAYLOAD_FILE = ROOT / "apps" / "payload.json"
# The io scenario's wait: long against hello's ~0.1 ms of work, short against a timeout;
# what a call to a slow upstream service costs a request.
IO_WAIT_MS = 20
UPLOAD_SIZES = {"upload1k": 1_000, "upload64k": 64_000, "upload1m": 1_000_000}


def request_body(size: int) -> bytes:
    """`size` bytes of the lab's body pattern ("0123456789abcdef" repeated)."""
    return (BODY_PATTERN * (size // len(BODY_PATTERN) + 1))[:size]


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request: the method, the path with its query, the body (bytes of the
    lab's pattern, or a text of the scenario's own) and any headers of its own."""

    method: str = "GET"
    path: str = "/"
    body_bytes: int = 0
    content_type: str | None = None  # of the body; None without one
    body_text: str | None = None  # instead of the pattern
    headers: tuple[tuple[str, str], ...] = ()

    def what_more(self) -> str:
        """What it sends beyond a plain GET, in words ("" for a plain GET)."""
        if self.body_bytes or self.body_text:
            return f"{self.method} with a body"
        if self.method != "GET":
            return self.method
        return "headers of its own" if self.headers else ""

    def generator_args(self) -> tuple[str, ...]:
        """What wrk's script and the probe take after the URL, nothing for a plain GET:
        METHOD BODY CONTENT_TYPE [HEADER...], BODY a byte count of the pattern or `=text`,
        CONTENT_TYPE `-` for none, each HEADER `Name: value`."""
        if self.method == "GET" and not self.body_bytes and not self.body_text and not self.headers:
            return ()
        body = f"={self.body_text}" if self.body_text else str(self.body_bytes)
        headers = (f"{name}: {value}" for name, value in self.headers)
        return (self.method, body, self.content_type or "-", *headers)


@dataclass(frozen=True, slots=True)
class Exact:
    """The body is exactly this text."""

    text: str

    def problems(self, body: str) -> list[str]:
        return [] if body == self.text else [f"body {body[:40]!r}, expected {self.text[:40]!r}"]


@dataclass(frozen=True, slots=True)
class Contains:
    """The body holds this text somewhere."""

    text: str

    def problems(self, body: str) -> list[str]:
        return [] if self.text in body else [f"body {body[:40]!r} does not contain {self.text!r}"]


@dataclass(frozen=True, slots=True)
class JsonEqual:
    """The body is JSON equal to this value (key order and spacing are the server's)."""

    value: Any

    def problems(self, body: str) -> list[str]:
        try:
            seen = json.loads(body)
        except ValueError:
            return [f"body {body[:40]!r} is not JSON"]
        if seen == self.value:
            return []
        where = _first_difference(seen, self.value)
        return [f"JSON body differs from the expected value ({where})"]


@dataclass(frozen=True, slots=True)
class JsonKeys:
    """The body is a JSON object holding at least these keys (its shape, not its values)."""

    keys: tuple[str, ...]

    def problems(self, body: str) -> list[str]:
        try:
            seen = json.loads(body)
        except ValueError:
            return [f"body {body[:40]!r} is not JSON"]
        if not isinstance(seen, dict):
            return [f"body is JSON {type(seen).__name__}, expected an object"]
        missing = [key for key in self.keys if key not in seen]
        return [f"JSON body lacks {', '.join(missing)}"] if missing else []


@dataclass(frozen=True, slots=True)
class AnyBody:
    """Any body: the status and media type are the whole rule."""

    def problems(self, body: str) -> list[str]:  # noqa: ARG002 - every body is right
        return []


@dataclass(frozen=True, slots=True)
class Counter:
    """`{"hit": n}`, counting up by one from request to request (the /hit invariant)."""

    def problems(self, body: str) -> list[str]:
        if hit_count(body) is None:
            return [f'body {body[:60]!r}, expected {{"hit": n}}']
        return []


BodyRule = Exact | Contains | JsonEqual | JsonKeys | Counter | AnyBody | TableRule


@dataclass(frozen=True, slots=True)
class Rule:
    """A right answer: its status, media type, body, and the least time it may take (a
    scenario that waits on I/O must really wait)."""

    body: BodyRule
    content_type: str | None = None  # media type; None accepts any
    status: int = 200
    min_elapsed_s: float = 0.0


@dataclass(frozen=True, slots=True)
class Scenario:
    """A request a generator repeats (or a mix of them), its rule, and the services the
    app needs for it."""

    name: str
    description: str
    request: Request | Mix
    rule: Rule  # a mix's is any 200: each of its parts is verified by its own (`parts`)
    needs: frozenset[str] = field(default_factory=frozenset)  # of "redis", "postgres"

    @property
    def uses_redis(self) -> bool:
        return "redis" in self.needs

    @property
    def uses_postgres(self) -> bool:
        return "postgres" in self.needs

    @property
    def parts(self) -> tuple[Scenario, ...]:
        """What is fetched and checked before load: a mix's parts, or the scenario itself."""
        if isinstance(self.request, Mix):
            return tuple(part.scenario for part in self.request.parts)
        return (self,)


def hit_count(body: str) -> int | None:
    """n from a `{"hit": n}` body, or None when the body is not exactly that shape."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict) or set(data) != {"hit"}:
        return None
    value = data["hit"]
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _first_difference(seen: Any, expected: Any, where: str = "$") -> str:
    """Where two JSON values first differ, as a path: enough to find it in the app."""
    if isinstance(seen, dict) and isinstance(expected, dict):
        for key in sorted(set(seen) | set(expected)):
            if key not in seen:
                return f"{where}.{key} missing"
            if key not in expected:
                return f"{where}.{key} unexpected"
            if seen[key] != expected[key]:
                return _first_difference(seen[key], expected[key], f"{where}.{key}")
    if isinstance(seen, list) and isinstance(expected, list) and len(seen) == len(expected):
        for index, (a, b) in enumerate(zip(seen, expected, strict=True)):
            if a != b:
                return _first_difference(a, b, f"{where}[{index}]")
    return f"{where}: {json.dumps(seen)[:40]} instead of {json.dumps(expected)[:40]}"


def upload_answer(size: int) -> dict[str, Any]:
    """What an app answers to an upload of `size` bytes of the body pattern."""
    return {"length": size, "sha256": hashlib.sha256(request_body(size)).hexdigest()}


def _upload(name: str, size: int) -> Scenario:
    return Scenario(
        name=name,
        description=f"POST a {size:,}-byte body, answered with its length and SHA-256",
        request=Request("POST", "/upload", size, "application/octet-stream"),
        rule=Rule(JsonEqual(upload_answer(size)), "application/json"),
    )


def lab_scenarios(payload: Any) -> Mapping[str, Scenario]:
    """The lab's own scenarios, the json one serving `payload`."""
    hello_rule = Rule(Exact(HELLO), "text/plain")
    scenarios = [
        Scenario(
            "hello",
            "return a short text body: framework and server overhead only",
            Request(path="/"),
            hello_rule,
        ),
        Scenario(
            "hit",
            "increment a Redis counter and return it: one network round trip",
            Request(path="/hit"),
            Rule(Counter(), "application/json"),
            frozenset({"redis"}),
        ),
        Scenario(
            "json",
            "serialize (and validate, where the framework does) a 1 KB JSON object",
            Request(path="/json"),
            Rule(JsonEqual(payload), "application/json"),
        ),
        *(_upload(name, size) for name, size in UPLOAD_SIZES.items()),
        Scenario(
            "io",
            f"wait {IO_WAIT_MS} ms on I/O through the app's own concurrency, then say hello",
            Request(path=f"/io?ms={IO_WAIT_MS}"),
            Rule(Exact(HELLO), "text/plain", min_elapsed_s=IO_WAIT_MS / 1000),
        ),
        Scenario(
            "db",
            "read one random row of a 10,000-row PostgreSQL table through the app's pool",
            Request(path="/db"),
            Rule(WorldRow(), "application/json"),
            frozenset({"postgres"}),
        ),
        Scenario(
            "queries",
            f"read {QUERIES} random rows, one query each, and answer them as a JSON list",
            Request(path=f"/queries?n={QUERIES}"),
            Rule(WorldRows(QUERIES), "application/json"),
            frozenset({"postgres"}),
        ),
        Scenario(
            "fortunes",
            "read a table, add a row, sort, render an HTML template with escaping",
            Request(path="/fortunes"),
            Rule(FortunesPage(), "text/html"),
            frozenset({"postgres"}),
        ),
    ]
    made = {scenario.name: scenario for scenario in scenarios}
    mix = lab_mix(LAB_MIX, made)
    weights = ", ".join(f"{part.scenario.name} {part.weight}" for part in mix.parts)
    made["mix"] = Scenario(
        "mix",
        f"a weighted mix of the above in one trial: {weights}",
        mix,
        Rule(AnyBody()),
        mix.needs,
    )
    return MappingProxyType(made)


SCENARIOS: Mapping[str, Scenario] = lab_scenarios(json.loads(PAYLOAD_FILE.read_text()))
# Names that stand for several scenarios on the command line.
GROUPS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"all": tuple(SCENARIOS), "upload": tuple(UPLOAD_SIZES)}
)
