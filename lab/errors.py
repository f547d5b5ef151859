"""Errors that end a command: each carries its exit code and the next step for the user.

Only the CLI turns these into a message; everything else raises them. A real bug is
never one of these, so it keeps its traceback.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_TRIAL_FAILED = 1
EXIT_USAGE = 2
EXIT_ENGINE = 3
EXIT_BUILD = 4
# A gate's verdicts (lab gate, lab run --gate): HEAD slower than BASE beyond the threshold
# at some level, or no regression shown but some level undecided (docs/gate.md).
EXIT_REGRESSED = 10
EXIT_INCONCLUSIVE = 11
EXIT_INTERRUPTED = 130


class LabError(Exception):
    """A failure the user can act on: `message` says what, `hint` says what to do."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(LabError):
    """A flag, option value or configuration key is wrong."""

    exit_code = EXIT_USAGE


class EngineUnavailable(LabError):
    """No Docker engine answers."""

    exit_code = EXIT_ENGINE


class BuildFailed(LabError):
    """An image could not be built; `log_tail` holds the last lines of the build log."""

    exit_code = EXIT_BUILD

    def __init__(self, message: str, hint: str = "", log_tail: tuple[str, ...] = ()) -> None:
        super().__init__(message, hint)
        self.log_tail = log_tail


class Interrupted(LabError):
    """The user stopped a run (Ctrl-C or SIGTERM); finished trials are on disk."""

    exit_code = EXIT_INTERRUPTED


class RunAborted(LabError):
    """The run could not go on (its Redis or network failed); finished trials are on disk."""

    exit_code = EXIT_TRIAL_FAILED


class ResultsUnwritable(LabError):
    """The results folder took no more files (disk full, read-only, gone); what is written
    stays whole."""

    exit_code = EXIT_TRIAL_FAILED
