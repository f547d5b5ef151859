"""Probe an app from inside the lab's network and print one JSON line of facts.

Runs in the wrk image with the standard library only. It reports what it saw
(statuses, headers, bodies, whether the connection was reused); the lab decides
whether that is right, so the rules live in one tested place.

  probe.py wait URL [--timeout S]          until the app answers any HTTP response
  probe.py fetch URL [--requests N] [REQ]  N requests on one keep-alive connection
  probe.py burst URL [--requests N] [REQ]  N concurrent requests, one connection each

REQ, as wrk's script takes it (images/wrk/report.lua): METHOD BODY CONTENT_TYPE [HEADER...],
BODY `=text` sent as it is or a byte count of the lab's pattern ("0123456789abcdef"
repeated, as lab.model.scenarios.request_body makes it), CONTENT_TYPE `-` for none, each
HEADER `Name: value`; without it, a plain GET. REQ may instead be a mix, `mix` then
WEIGHT PATH for each part: plain GETs to those paths (the URL then names the app's root), the
n-th request to the part at n in one cycle of the smooth weighted round-robin that wrk's
script keeps (lab.model.mix.smooth_order). Each answer carries the seconds from sending the
request to its last byte, and its path.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import threading
import time
import urllib.parse


def _connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port or 80, timeout=timeout)
    return conn, _target(url)


def _target(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    # The query too: a scenario's request may carry one (/io?ms=20).
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


class Request:
    """What to send: a plain GET, or a method with a body of the lab's pattern."""

    def __init__(self, words: list[str]) -> None:
        self.method, self.body, self.headers = "GET", None, {}
        if words:
            method, body, content_type, *headers = words
            pattern = b"0123456789abcdef"
            self.method = method
            if body.startswith("="):
                self.body = body[1:].encode()
            elif int(body):
                self.body = (pattern * (int(body) // len(pattern) + 1))[: int(body)]
            if content_type != "-":
                self.headers["Content-Type"] = content_type
            for header in headers:
                name, _, value = header.partition(":")
                self.headers[name.strip()] = value.strip()


PLAIN_GET = Request([])


def smooth_order(weights: list[int]) -> list[int]:
    """One cycle of the smooth weighted round-robin (lab.model.mix.smooth_order's twin)."""
    credit, total, order = [0] * len(weights), sum(weights), []
    for _ in range(total):
        credit = [c + w for c, w in zip(credit, weights, strict=True)]
        best = max(range(len(weights)), key=lambda i: (credit[i], -i))
        credit[best] -= total
        order.append(best)
    return order


def targets(url: str, words: list[str]) -> list[tuple[str, Request]]:
    """(URL, request) of one cycle: the one request, or a mix's GETs in their order."""
    if not words or words[0] != "mix":
        return [(url, Request(words))]
    root = url.rstrip("/")
    pairs = [(int(words[i]), words[i + 1]) for i in range(1, len(words), 2)]
    return [(root + pairs[i][1], PLAIN_GET) for i in smooth_order([w for w, _ in pairs])]


def _request(
    conn: http.client.HTTPConnection, path: str, request: Request = PLAIN_GET
) -> dict[str, object]:
    started = time.monotonic()
    conn.request(request.method, path, body=request.body, headers=request.headers)
    response = conn.getresponse()
    body = response.read()
    return {
        "status": response.status,
        "headers": {k.lower(): v for k, v in response.getheaders()},
        "body": body.decode("utf-8", "replace"),
        "elapsed_s": round(time.monotonic() - started, 6),
        "path": path,
    }


def wait(url: str, timeout: float) -> tuple[dict[str, object], int]:
    started = time.monotonic()
    last_error = ""
    while time.monotonic() - started < timeout:
        conn, path = _connection(url, timeout=2)
        try:
            answer = _request(conn, path)
            waited = round(time.monotonic() - started, 3)
            return {"ready": True, "waited_s": waited, "status": answer["status"]}, 0
        except OSError as exc:
            last_error = f"{type(exc).__name__}: {exc}"
        finally:
            conn.close()
        time.sleep(0.1)
    return {"ready": False, "waited_s": timeout, "last_error": last_error}, 1


def fetch(
    url: str, count: int, timeout: float, cycle: list[tuple[str, Request]]
) -> tuple[dict[str, object], int]:
    conn, _ = _connection(url, timeout)
    responses: list[dict[str, object]] = []
    local_ports: list[int] = []
    try:
        for n in range(count):
            target, request = cycle[n % len(cycle)]
            responses.append(_request(conn, _target(target), request))
            # http.client drops the socket when the server asked to close it.
            local_ports.append(conn.sock.getsockname()[1] if conn.sock else -1)
    except OSError as exc:
        return {"responses": responses, "error": f"{type(exc).__name__}: {exc}"}, 0
    finally:
        conn.close()
    reused = len(local_ports) > 1 and -1 not in local_ports and len(set(local_ports)) == 1
    return {"responses": responses, "same_connection": reused, "error": None}, 0


def burst(
    count: int, timeout: float, cycle: list[tuple[str, Request]]
) -> tuple[dict[str, object], int]:
    barrier = threading.Barrier(count)
    results: list[dict[str, object]] = [{} for _ in range(count)]

    def one(i: int) -> None:
        url, request = cycle[i % len(cycle)]
        conn, path = _connection(url, timeout)
        try:
            barrier.wait(timeout)
            results[i] = _request(conn, path, request)
        except (OSError, threading.BrokenBarrierError) as exc:
            results[i] = {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            conn.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses: dict[str, int] = {}
    for result in results:
        key = str(result.get("status", "error"))
        statuses[key] = statuses.get(key, 0) + 1
    bodies = [r.get("body") for r in results]
    return {
        "statuses": statuses,
        "bodies": bodies,
        "responses": [r for r in results if "error" not in r],
        "errors": [r["error"] for r in results if "error" in r],
    }, 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="probe")
    parser.add_argument("mode", choices=["wait", "fetch", "burst"])
    parser.add_argument("url")
    parser.add_argument("--requests", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("request", nargs="*", metavar="METHOD BODY CONTENT_TYPE [HEADER]")
    # Intermixed: the request words may follow the options, as the lab passes them.
    args = parser.parse_intermixed_args(argv)
    if args.request and len(args.request) < 3:
        parser.error("a request is METHOD BODY CONTENT_TYPE [HEADER...]")
    if args.request[:1] == ["mix"] and len(args.request) % 2 == 0:
        parser.error("a mix is `mix` then WEIGHT PATH for each part")
    cycle = targets(args.url, args.request)
    if args.mode == "wait":
        report, code = wait(args.url, args.timeout)
    elif args.mode == "fetch":
        report, code = fetch(args.url, args.requests, args.timeout, cycle)
    else:
        report, code = burst(args.requests, args.timeout, cycle)
    print(json.dumps(report, sort_keys=True))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
