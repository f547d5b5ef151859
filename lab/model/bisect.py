"""Which release of a dependency made the app slower? A binary search whose steps are gates.

`lab bisect --app aio --package aiohttp --good 3.9.5 --bad 3.14.5` lists the releases
from good to bad, then gates good against each version it tries (lab.analysis.gate: both
in one run, a verdict against a threshold):

1. good against bad first: unless bad `regressed`, there is nothing to find (it passed)
   or nothing to say (inconclusive), and the search ends there;
2. then good against the middle release of those still in question: `regressed` puts the
   first bad one at or before it, `no change` or `improved` after it;
3. until the first bad release is next to the last good one.

An `inconclusive` or failed step ends the search and says between which releases the
culprit lies: a step is never guessed. At most ceil(log2(releases - 1)) + 1 gates.

The search is a function of its steps, so it resumes from the steps on disk. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from lab.errors import UsageError

# A step's outcome: a gate's word (lab.analysis.gate), or the gate's run failing.
PASS = "pass"
REGRESSED = "regressed"
INCONCLUSIVE = "inconclusive"
FAILED = "failed"
OUTCOMES = (PASS, REGRESSED, INCONCLUSIVE, FAILED)

# How a search ends.
FOUND = "found"
NOT_REGRESSED = "not-regressed"
UNDECIDED = "undecided"


def releases_between(available: Iterable[str], good: str, bad: str) -> tuple[str, ...]:
    """The releases from `good` to `bad`, both included, oldest first; pre-releases and
    development releases only when good or bad is one."""
    low, high = _version("--good", good), _version("--bad", bad)
    if not low < high:
        raise UsageError(
            f"--good {good} is not older than --bad {bad}",
            "give the last version known to be fast as --good, a slower later one as --bad",
        )
    wanted = low.is_prerelease or high.is_prerelease
    found: dict[Version, str] = {}
    for text in available:
        try:
            version = Version(text)
        except InvalidVersion:
            continue  # not a PEP 440 version: the index lists it, nothing can pin it
        if low <= version <= high and (wanted or not version.is_prerelease):
            found.setdefault(version, text)
    for given, version in (("--good", low), ("--bad", high)):
        if version not in found:
            raise UsageError(
                f"{given} {version}: no such release in the index",
                f"the index has {len(found)} releases between them; check the version",
            )
    return tuple(found[version] for version in sorted(found))


def _version(flag: str, text: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion as exc:
        raise UsageError(f"{flag} {text!r}: not a version", "e.g. --good 3.9.5") from exc


@dataclass(frozen=True, slots=True)
class Step:
    """One gate of the search: good against `version`, its run, its outcome."""

    version: str
    outcome: str
    run_dir: str | None
    summary: str  # the verdict line, e.g. "hello @200 regressed 0.871x (0.85-0.89)"

    def to_dict(self) -> dict[str, str | None]:
        return {
            "version": self.version,
            "outcome": self.outcome,
            "run_dir": self.run_dir,
            "summary": self.summary,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Step:
        outcome = data.get("outcome")
        if outcome not in OUTCOMES or not isinstance(data.get("version"), str):
            raise UsageError(
                f"bisect.json: a step with outcome {outcome!r} is not one the lab wrote",
                "the file is damaged: move it away to restart the search",
            )
        run_dir = data.get("run_dir")
        return cls(
            str(data["version"]),
            str(outcome),
            None if run_dir is None else str(run_dir),
            str(data.get("summary", "")),
        )


@dataclass(frozen=True, slots=True)
class Search:
    """Where a search stands: the last release known good and the first known bad (by
    index into `releases`), whether bad is confirmed, and how it ended if it did."""

    low: int
    high: int
    confirmed: bool
    ended: str | None  # FOUND, NOT_REGRESSED, UNDECIDED, or None while searching

    def next_index(self) -> int | None:
        """The release the next gate tries, or None when the search is over."""
        if self.ended is not None:
            return None
        if not self.confirmed:
            return self.high
        return (self.low + self.high) // 2


def search(releases: Sequence[str], steps: Sequence[Step]) -> Search:
    """The state after `steps`, which must be the ones this search asked for, in order."""
    state = Search(0, len(releases) - 1, confirmed=False, ended=None)
    for step in steps:
        wanted = state.next_index()
        if wanted is None or releases[wanted] != step.version:
            raise UsageError(
                f"bisect.json: step {step.version} is not the one the search asks for",
                "the file was edited or belongs to another search: move it away to restart",
            )
        state = _after(state, wanted, step.outcome)
        if state.ended is None and state.high - state.low <= 1:
            state = Search(state.low, state.high, state.confirmed, FOUND)
    return state


def _after(state: Search, index: int, outcome: str) -> Search:
    if outcome in (INCONCLUSIVE, FAILED):
        return Search(state.low, state.high, state.confirmed, UNDECIDED)
    if not state.confirmed:
        ended = None if outcome == REGRESSED else NOT_REGRESSED
        return Search(state.low, state.high, True, ended)
    if outcome == REGRESSED:
        return Search(state.low, index, True, None)
    return Search(index, state.high, True, None)


def max_gates(releases: int) -> int:
    """The most gates a search over `releases` releases (good and bad included) needs."""
    gaps = max(releases - 1, 1)
    return (gaps - 1).bit_length() + 1
