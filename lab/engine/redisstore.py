"""The run's Redis, as the stack reaches it: redis-cli inside its container.

The /hit scenario's counter lives here; the stack resets it before a trial and reads it
after, so the app's answers can be held to what Redis counted (lab.engine.trial).
"""

from __future__ import annotations

from typing import Any

import docker.errors

from lab.engine.polls import wait_until
from lab.engine.port import Clock, StackError

COUNTER_KEY = "lab:hits"


def redis_command(container: Any, cli: list[str], *args: str) -> str:
    """redis-cli's answer to `args`; StackError when Redis refuses or is gone."""
    try:
        code, output = container.exec_run([*cli, *args])
    except docker.errors.APIError as exc:
        raise StackError(f"redis is not running: {exc.explanation or exc}") from exc
    text = str(output.decode(errors="replace")).strip()
    if code != 0 or text.startswith(("ERR", "Could not connect")):
        raise StackError(f"redis-cli {' '.join(args)} failed: {text[:200]}")
    return text


def wait_for_redis(container: Any, cli: list[str], clock: Clock, timeout_s: float = 20.0) -> None:
    def pong() -> bool:
        code, output = container.exec_run([*cli, "PING"])
        return bool(code == 0 and b"PONG" in output)

    if not wait_until(pong, timeout_s, 0.2, clock):
        raise StackError(f"redis did not answer PING within {timeout_s:.0f} s")


def counter_value(text: str) -> int:
    """The counter from GET's answer; 0 before the first INCR (an empty answer)."""
    return int(text) if text.lstrip("-").isdigit() else 0
