"""Requests still in flight in an app, read from its network namespace's socket table.

When wrk stops, the server still finishes every request it had read — with a slow app,
seconds of them — and each /hit it finishes increments the counter. Waiting for the
counter to stop moving guesses at that; the socket table knows it: a server-side socket
that is still ESTABLISHED, or in CLOSE_WAIT (the client left, the app has not closed its
side yet), is a connection the app may still be answering. Once none is left on the
app's port, every request it accepted has been answered or abandoned, and the counter
is final — for servers that keep a socket open until its request's handler ends. uvicorn
does not: it closes a connection the client left while the handler goes on, so the stack
also waits for the counter to hold still (engine.stack.RunStack.settled_counter).
"""

from __future__ import annotations

# The kernel's TCP states, as /proc/net/tcp writes them (include/net/tcp_states.h).
_ESTABLISHED = "01"
_SYN_RECV = "03"
_CLOSE_WAIT = "08"
IN_FLIGHT_STATES = frozenset({_ESTABLISHED, _SYN_RECV, _CLOSE_WAIT})


def connections_in_flight(table: str, port: int) -> int:
    """Server-side sockets on `port` that may still carry a request, in /proc/net/tcp{,6}.

    `table` may hold both files one after the other (each with its header line). Raises
    ValueError on a line that is not the kernel's format.
    """
    count = 0
    for line in table.splitlines():
        fields = line.split()
        if not fields or fields[0] == "sl":
            continue
        if len(fields) < 4 or ":" not in fields[1]:
            raise ValueError(f"/proc/net/tcp: unreadable line {line.strip()[:80]!r}")
        try:
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
        except ValueError as exc:
            raise ValueError(f"/proc/net/tcp: unreadable local address {fields[1]!r}") from exc
        if local_port == port and fields[3] in IN_FLIGHT_STATES:
            count += 1
    return count
