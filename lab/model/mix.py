"""A mix: several of the lab's GET scenarios in one trial, each by its weight.

What servers really do is rarely one endpoint: the lab's `mix` sends hello, json, io,
db, queries and fortunes in the proportions of `LAB_MIX`. The
parts are interleaved, not drawn at random: a smooth weighted round-robin (nginx's) over
one cycle of `sum(weights)` requests sends each part exactly its weight's share of every
cycle, spread out rather than in runs, so every trial's mix is exactly the weights.
wrk's script (images/wrk/report.lua) keeps one such order per thread; openload
(images/openload/openload.c) gives the n-th request of its schedule the part at n in the
cycle; both read the mix from `Mix.generator_args`. Before any load, each part is
fetched and checked by its own rule (lab.measure.verify.verify_parts).

A mix is served by an app only when every one of its parts is (`serve_mixes`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the scenarios are made of mixes as much as mixes of scenarios
    from lab.model.scenarios import Scenario

# The lab's mix, by weight: the one place these weights are written. Text and small
# JSON most, a database read in half the requests, one in ten waiting on slow I/O.
LAB_MIX: Mapping[str, int] = MappingProxyType(
    {"hello": 2, "json": 2, "io": 1, "db": 2, "queries": 1, "fortunes": 2}
)
MIX_WORD = "mix"  # the first of a mix's generator arguments: no HTTP method is lower case
MAX_PARTS = 16  # openload's table of requests
MAX_CYCLE = 1000  # requests in one cycle: openload's table of the order


def smooth_order(weights: Sequence[int]) -> tuple[int, ...]:
    """One cycle of the smooth weighted round-robin: the index of each request's part.
    Each step adds every weight to its part's credit and picks the part with the most
    (the first on a tie), which then pays the sum of the weights back."""
    credit = [0] * len(weights)
    total = sum(weights)
    order = []
    for _ in range(total):
        credit = [c + w for c, w in zip(credit, weights, strict=True)]
        best = max(range(len(weights)), key=lambda i: (credit[i], -i))
        credit[best] -= total
        order.append(best)
    return tuple(order)


@dataclass(frozen=True, slots=True)
class Part:
    """A scenario of the lab in a mix, and its weight there."""

    scenario: Scenario
    weight: int


@dataclass(frozen=True, slots=True)
class Mix:
    """What a generator repeats for a mix: each part's plain GET, by weight."""

    parts: tuple[Part, ...]

    def __post_init__(self) -> None:
        if not 1 <= len(self.parts) <= MAX_PARTS:
            raise ValueError(f"a mix has 1 to {MAX_PARTS} parts, not {len(self.parts)}")
        names = [part.scenario.name for part in self.parts]
        if len(set(names)) != len(names):
            raise ValueError(f"a mix names each part once: {names}")
        for part in self.parts:
            scenario = part.scenario
            if not isinstance(part.weight, int) or part.weight < 1:
                raise ValueError(f"{scenario.name}'s weight {part.weight!r} is not a whole >= 1")
            if scenario.request.generator_args():
                # Its arguments carry a path only; a mix of mixes is no plainer.
                raise ValueError(f"{scenario.name} is not a plain GET: a mix sends only those")
            if "redis" in scenario.needs:
                # The run checks a Redis counter against every request of the trial.
                raise ValueError(f"{scenario.name} counts in Redis, which no mix can check")
        if self.cycle > MAX_CYCLE:
            raise ValueError(f"a mix's weights sum to at most {MAX_CYCLE}, not {self.cycle}")

    @property
    def cycle(self) -> int:
        return sum(part.weight for part in self.parts)

    @property
    def path(self) -> str:
        """The path of the URL the generator is given: the app's root; each part's path
        travels in the generator's arguments."""
        return "/"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(part.scenario.name for part in self.parts)

    @property
    def needs(self) -> frozenset[str]:
        """What its parts need besides the app, all of it."""
        return frozenset().union(*(part.scenario.needs for part in self.parts))

    def order(self) -> tuple[str, ...]:
        """One cycle of the parts' names, in the order the generators send them."""
        return tuple(self.names[i] for i in smooth_order([p.weight for p in self.parts]))

    def what_more(self) -> str:
        """What it sends beyond plain GETs: nothing."""
        return ""

    def generator_args(self) -> tuple[str, ...]:
        """What wrk's script and the probe take after the URL: `mix` then WEIGHT PATH for
        each part, in the mix's order of parts."""
        pairs = ((str(part.weight), part.scenario.request.path) for part in self.parts)
        return (MIX_WORD, *(word for pair in pairs for word in pair))


def parse_generator_args(args: Sequence[str]) -> tuple[tuple[int, str], ...]:
    """(weight, path) of each part, from a mix's generator arguments, as wrk's script,
    openload and the probe read them; a ValueError when they are not a mix's."""
    if not args or args[0] != MIX_WORD or len(args) < 3 or len(args) % 2 == 0:
        raise ValueError(f"not a mix's arguments: {list(args)}")
    pairs = tuple((int(args[i]), args[i + 1]) for i in range(1, len(args), 2))
    if any(weight < 1 or not path.startswith("/") for weight, path in pairs):
        raise ValueError(f"a mix's part is WEIGHT (>= 1) PATH (from /): {list(args)}")
    return pairs


def lab_mix(weights: Mapping[str, int], scenarios: Mapping[str, Scenario]) -> Mix:
    """The mix of `weights`, each part one of `scenarios`."""
    return Mix(tuple(Part(scenarios[name], weight) for name, weight in weights.items()))


def serve_mixes(
    mixes: Mapping[str, Mix],
    served: Sequence[str],
    not_served: Sequence[tuple[str, str]],
) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...], str | None]:
    """(served, not_served, error) once an app's mixes are judged by their parts: a mix
    it serves every part of is served, unless its manifest leaves it out by name; one it
    does not is not served, its reason naming the first part missing (with the manifest's
    own reason for that part). `error` names a mix the manifest lists whose part it does
    not serve."""
    why = dict(not_served)
    served_now, reasons = list(served), list(not_served)
    for name, mix in mixes.items():
        missing = next((part for part in mix.names if part not in served), None)
        if name in served and missing is not None:
            return tuple(served), tuple(not_served), f"{name} needs {missing}, which it omits"
        if name in served or name in why:
            continue
        if missing is None:
            served_now.append(name)
        else:
            own = f": {why[missing]}" if missing in why else ""
            reasons.append((name, f"{missing}, a part of {name}, is not among its scenarios{own}"))
    return tuple(served_now), tuple(reasons), None


def mixes_of(scenarios: Iterable[Scenario]) -> Mapping[str, Mix]:
    """The mixes among `scenarios`, by name."""
    return {s.name: s.request for s in scenarios if isinstance(s.request, Mix)}
