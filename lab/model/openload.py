"""Open-loop mode's plan: the rates each app is offered, the stall schedule, the sweeps.

In open mode each app x scenario is offered a series of constant request rates, lowest
first, in one fresh app container (a sweep); repeated sweeps are interleaved across apps
by seed like closed-loop trials. A rate is absolute (requests/s) or a percentage of the
same app's closed-loop throughput measured earlier in the same run.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from lab.errors import UsageError

MODES = ("closed", "open")
DEFAULT_RATES = ("10%", "25%", "50%", "75%", "90%", "100%")
DEFAULT_SLO_MS = 100.0
# A sweep's app container: started, verified and removed once for all of its rates.
SWEEP_OVERHEAD_S = 4.0
# After its window, the generator waits up to --timeout for the window's last answers.
POINT_OVERHEAD_S = 0.5
# The generator's own ceiling: rates tried against the static server, doubling.
CEILING_START_RPS = 2_000.0
CEILING_STEPS = 7  # up to 128,000 req/s: above what the generator holds on one CPU
CEILING_STEP_S = 2.0
CEILING_WARMUP_S = 0.5
MAX_RATE_RPS = 1_000_000.0
MAX_PERCENT = 200.0


@dataclass(frozen=True, slots=True)
class RateSpec:
    """One offered rate as asked: `value` requests/s, or `value` percent of the app's
    closed-loop throughput."""

    value: float
    percent: bool

    @property
    def label(self) -> str:
        return f"{self.value:g}%" if self.percent else f"{self.value:g}/s"

    def resolve(self, closed_rps: float | None) -> float | None:
        """Requests/s; None for a percentage when there is no closed-loop figure."""
        if not self.percent:
            return self.value
        if closed_rps is None:
            return None
        return self.value * closed_rps / 100.0


def parse_rates(text: str | Sequence[str]) -> tuple[RateSpec, ...]:
    """--rates: "10%,50%,100%" or "500,1000,2000" (or a mix), lowest first as given."""
    items = [item.strip() for item in text.split(",")] if isinstance(text, str) else list(text)
    if not items or any(not item for item in items):
        raise UsageError(
            f"--rates: {text!r} has an empty item",
            "give rates separated by commas, e.g. 10%,50%,100% or 500,1000,2000",
        )
    rates = []
    for item in items:
        rate = _rate(str(item))
        rates.append(rate)
    labels = [rate.label for rate in rates]
    duplicate = next((label for label in labels if labels.count(label) > 1), None)
    if duplicate is not None:
        raise UsageError(f"--rates: {duplicate} is given twice", "give each rate once")
    return tuple(rates)


def _rate(item: str) -> RateSpec:
    percent = item.endswith("%")
    number = item.removesuffix("%").removesuffix("/s").strip()
    try:
        value = float(number)
    except ValueError:
        raise UsageError(
            f"--rates: {item!r} is not a rate",
            "give a percentage of the closed-loop throughput (50%) or requests/s (2000)",
        ) from None
    limit = MAX_PERCENT if percent else MAX_RATE_RPS
    if not 0 < value <= limit:
        shown = f"{limit:g}%" if percent else f"{limit:,.0f} requests/s"
        raise UsageError(
            f"--rates: {item} is not above 0 and at most {shown}",
            "give rates such as 10%,50%,100% or 500,1000,2000",
        )
    return RateSpec(value, percent)


@dataclass(frozen=True, slots=True)
class StallSpec:
    """--inject-stall PAUSE/PERIOD: the app container paused for `pause_s` in the middle
    of every `period_s` of a measured window."""

    pause_s: float
    period_s: float

    @property
    def label(self) -> str:
        return f"{_ms(self.pause_s)}/{_ms(self.period_s)}"

    def offsets(self, window_s: float) -> tuple[float, ...]:
        """When each pause begins, in seconds from the window's start; only pauses that
        end inside the window. Centred in each period, so the first one does not
        coincide with the generator's start."""
        starts = []
        period = 0
        while True:
            start = (period + 0.5) * self.period_s - self.pause_s / 2
            if start + self.pause_s > window_s:
                break
            starts.append(round(start, 6))
            period += 1
        return tuple(starts)


def _ms(seconds: float) -> str:
    return f"{seconds:g}s" if seconds >= 1 and seconds == int(seconds) else f"{seconds * 1000:g}ms"


_STALL = re.compile(r"(\d+(?:\.\d+)?)(ms|s)/(\d+(?:\.\d+)?)(ms|s)")


def parse_stall(text: str) -> StallSpec:
    """--inject-stall: "500ms/5s" -> a 0.5 s pause every 5 s."""
    match = _STALL.fullmatch(text.strip().lower())
    if match is None:
        raise UsageError(
            f"--inject-stall: {text!r} is not PAUSE/PERIOD",
            "give a pause and a period with units, e.g. --inject-stall 500ms/5s",
        )
    pause, pause_unit, period, period_unit = match.groups()
    pause_s = float(pause) / (1000 if pause_unit == "ms" else 1)
    period_s = float(period) / (1000 if period_unit == "ms" else 1)
    if not 0 < pause_s < period_s:
        raise UsageError(
            f"--inject-stall: a {pause_s:g} s pause does not fit in a {period_s:g} s period",
            "give a pause shorter than its period, e.g. 500ms/5s",
        )
    if pause_s < 0.01:
        raise UsageError(
            f"--inject-stall: a {pause_s * 1000:g} ms pause is below what the engine can time",
            "give a pause of 10ms or more",
        )
    return StallSpec(pause_s, period_s)


@dataclass(frozen=True, slots=True)
class Sweep:
    """One app x scenario offered every rate, lowest first, in one app container."""

    index: int  # from 1, in run order
    app: str
    scenario: str
    repetition: int  # from 1

    def to_dict(self) -> dict[str, object]:
        return {
            "index": self.index,
            "app": self.app,
            "scenario": self.scenario,
            "repetition": self.repetition,
        }


def make_sweeps(
    apps: Sequence[str],
    scenarios: Sequence[str],
    repetitions: int,
    seed: int,
    unserved: frozenset[tuple[str, str]] = frozenset(),
) -> tuple[Sweep, ...]:
    """Every app x scenario once per round, rounds shuffled by `seed` (a seed of its own
    stream, so the closed-loop trials' order is the same with or without open mode), and
    no round starting with the app the last one ended with."""
    cells = [
        (app, scenario) for app in apps for scenario in scenarios if (app, scenario) not in unserved
    ]
    rng = random.Random(f"open-{seed}")
    sweeps: list[Sweep] = []
    previous: str | None = None
    for repetition in range(1, repetitions + 1):
        order = list(cells)
        rng.shuffle(order)
        if previous is not None and order[0][0] == previous:
            swap = next((i for i, cell in enumerate(order) if cell[0] != previous), None)
            if swap is not None:
                order[0], order[swap] = order[swap], order[0]
        for app, scenario in order:
            sweeps.append(Sweep(len(sweeps) + 1, app, scenario, repetition))
        previous = order[-1][0] if order else previous
    return tuple(sweeps)


def sweep_seconds(rates: int, warmup_s: float, duration_s: float) -> float:
    """One sweep's wall time: its container, then each rate's warmup, window and drain."""
    return SWEEP_OVERHEAD_S + rates * (warmup_s + duration_s + POINT_OVERHEAD_S)


def ceiling_seconds() -> float:
    """The generator's own ceiling, at its longest (every doubling step holds)."""
    return CEILING_STEPS * (CEILING_WARMUP_S + CEILING_STEP_S + POINT_OVERHEAD_S)


def ceiling_rates() -> tuple[float, ...]:
    """The rates the generator's ceiling tries, doubling from CEILING_START_RPS."""
    return tuple(CEILING_START_RPS * 2**step for step in range(CEILING_STEPS))
