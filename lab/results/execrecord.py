"""One command run in a container and what it printed, verbatim: every load generator's
record (wrk's in a trial file, the open-loop generator's in a sweep), as the engine's port
returns it.

A record is evidence, so the raw output is kept whole; parsing it is the measure layer's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from lab.results.jsonfields import JsonObject, key_path, required

FIELDS: Final = ("command", "exit_code", "stdout", "stderr")
# A trial file has always written wrk's record in this order; keeping it keeps every
# trial file read and written back byte for byte.
WRK_ORDER: Final = ("command", "stdout", "stderr", "exit_code")


@dataclass(frozen=True, slots=True)
class ExecRecord:
    """How a command was run and what it printed. `exit_code` is None if it was killed."""

    command: tuple[str, ...]
    exit_code: int | None
    stdout: str
    stderr: str

    def to_dict(self, order: Sequence[str] = FIELDS) -> JsonObject:
        values = {
            "command": list(self.command),
            "exit_code": self.exit_code,
            "stdout": self.stdout,
            "stderr": self.stderr,
        }
        return {key: values[key] for key in order}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> ExecRecord:
        """Inverse of to_dict, in any key order; ValueError names the key by `where`."""
        command = required(data, "command", list, where)
        if not all(isinstance(part, str) for part in command):
            raise ValueError(
                f"key {key_path(where, 'command')!r} holds something that is not a string:"
                f" {command!r}"
            )
        return cls(
            command=tuple(command),
            exit_code=required(data, "exit_code", int, where, null=True),
            stdout=required(data, "stdout", str, where),
            stderr=required(data, "stderr", str, where),
        )
