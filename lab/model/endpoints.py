"""An app's own scenarios: its real endpoints, declared in its manifest and verified
before load as the lab's own are.

    scenarios = ["hello", "get", "anything"]
    [endpoints.get]
    description = "GET /get: the request echoed as JSON"
    path = "/get?lab=1"
    headers = { Accept = "application/json" }
    expect = { status = 200, content_type = "application/json", json_keys = ["args", "url"] }
    [endpoints.anything]
    method = "POST"
    path = "/anything"
    body_file = "order.json"          # a text file of the folder (or `body = "..."`)
    content_type = "application/json"
    expect = { contains = "Ada Lovelace" }

`expect` takes at most one body rule: `exact` (the body, byte for byte), `contains` (a
text it holds), `json` (a JSON value it equals) or `json_keys` (keys its JSON object
has); without one, the status and media type are the rule. A body is text of at most
64 KiB: it is handed to wrk's script and to the probe as an argument.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from lab.errors import UsageError
from lab.model.scenarios import (
    GROUPS,
    SCENARIOS,
    AnyBody,
    BodyRule,
    Contains,
    Exact,
    JsonEqual,
    JsonKeys,
    Request,
    Rule,
    Scenario,
)

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
MAX_BODY = 64 * 1024
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_HEADER = re.compile(r"^[A-Za-z0-9-]+$")
_BODY_RULES: Mapping[str, Callable[[Any], BodyRule]] = {
    "exact": Exact,
    "contains": Contains,
    "json": JsonEqual,
    "json_keys": lambda keys: JsonKeys(tuple(keys)),
}


class EndpointError(UsageError):
    """A manifest's own scenario the lab cannot use."""


def parse_endpoints(
    tables: Any, where: str, read_body: Callable[[str], str] | None
) -> tuple[Scenario, ...]:
    """The scenarios of a manifest's [endpoints] tables; `read_body` reads a file of the
    folder (None where there is no folder to read from)."""
    if not isinstance(tables, dict):
        raise EndpointError(f"{where}: [endpoints] must be a table", "see docs/scenarios.md")
    return tuple(
        _endpoint(name, table, f"{where} [endpoints.{name}]", read_body)
        for name, table in tables.items()
    )


def _endpoint(
    name: str, table: Any, where: str, read_body: Callable[[str], str] | None
) -> Scenario:
    if not _NAME.match(name) or not isinstance(table, dict):
        raise EndpointError(f"{where}: not a usable scenario", "name it in lower case, as a table")
    if name in SCENARIOS or name in GROUPS:
        raise EndpointError(f"{where}: {name!r} is the lab's own scenario", "give it another name")
    allowed = {"description", "method", "path", "headers", "body", "body_file", "content_type"}
    _only(table, allowed | {"expect"}, where)
    method = table.get("method", "GET")
    if method not in METHODS:
        raise EndpointError(f"{where}: method {method!r} unknown", f"use one of {METHODS}")
    path = table.get("path")
    if not isinstance(path, str) or not path.startswith("/") or any(c.isspace() for c in path):
        raise EndpointError(f"{where}: path {path!r} is not a URL path", 'e.g. path = "/get?a=1"')
    body = _body(table, where, read_body)
    content_type = table.get("content_type")
    if content_type is not None and not isinstance(content_type, str):
        raise EndpointError(f"{where}: content_type must be a string", "e.g. application/json")
    request = Request(method, path, 0, content_type, body, _headers(table.get("headers"), where))
    description = table.get("description", f"{method} {path}")
    return Scenario(name, str(description), request, _rule(table.get("expect", {}), where))


def _body(
    table: Mapping[str, Any], where: str, read_body: Callable[[str], str] | None
) -> str | None:
    if "body" in table and "body_file" in table:
        raise EndpointError(f"{where}: both body and body_file", "give one of them")
    body = table.get("body")
    if "body_file" in table:
        if read_body is None:
            raise EndpointError(f"{where}: body_file outside an app folder", "give body inline")
        body = read_body(str(table["body_file"]))
    if body is not None and (not isinstance(body, str) or not body):
        raise EndpointError(f"{where}: body must be a non-empty text", 'e.g. body = "{}"')
    if body is not None and len(body.encode()) > MAX_BODY:
        raise EndpointError(
            f"{where}: body of {len(body.encode()):,} bytes, more than {MAX_BODY:,}",
            "send a smaller body: it travels as an argument to wrk and the probe",
        )
    return body


def _headers(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise EndpointError(
            f"{where}: headers must be a table", 'e.g. headers = { Accept = "*/*" }'
        )
    for name, text in value.items():
        if not _HEADER.match(name) or not isinstance(text, str) or "\n" in text:
            raise EndpointError(f"{where}: header {name!r} unusable", 'give Name = "value"')
        if name.lower() in ("host", "content-length", "content-type"):
            raise EndpointError(
                f"{where}: header {name!r} is the lab's to set",
                "leave it out (content_type sets the body's media type)",
            )
    return tuple((str(name), str(text)) for name, text in value.items())


def _rule(expect: Any, where: str) -> Rule:
    at = f"{where} expect"
    if not isinstance(expect, dict):
        raise EndpointError(f"{at}: must be a table", "e.g. expect = { status = 200 }")
    _only(expect, {"status", "content_type", *_BODY_RULES}, at)
    status = expect.get("status", 200)
    if not isinstance(status, int) or not 100 <= status <= 599:
        raise EndpointError(f"{at}: status {status!r} is not an HTTP status", "e.g. 200")
    content_type = expect.get("content_type")
    if content_type is not None and not isinstance(content_type, str):
        raise EndpointError(f"{at}: content_type must be a string", "e.g. text/html")
    given = [key for key in _BODY_RULES if key in expect]
    if len(given) > 1:
        raise EndpointError(f"{at}: {' and '.join(given)} both given", "give one body rule")
    body: BodyRule = AnyBody()
    if given:
        value = expect[given[0]]
        if given[0] == "json_keys" and not (
            isinstance(value, list) and value and all(isinstance(k, str) for k in value)
        ):
            raise EndpointError(f"{at}: json_keys must be a list of keys", '["id", "name"]')
        if given[0] in ("exact", "contains") and not isinstance(value, str):
            raise EndpointError(f"{at}: {given[0]} must be a string", 'e.g. "Hello"')
        body = _BODY_RULES[given[0]](value)
    media = content_type.split(";", 1)[0].strip().lower() if content_type else None
    return Rule(body, media, status)


def _only(data: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise EndpointError(
            f"{where}: unknown key {unknown[0]!r}", f"keys are: {', '.join(sorted(allowed))}"
        )
