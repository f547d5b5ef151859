"""openload, the open-loop generator (images/openload/openload.c): a constant rate on its
own schedule, whatever the app's latency; its warmup is part of its run.

Its result is its one JSON line, with the whole latency histogram (lab.measure.openjson).
"""

from __future__ import annotations

from dataclasses import dataclass

from lab.measure.openjson import OpenResult, parse_open_output
from lab.model.mix import Mix, parse_generator_args
from lab.model.scenarios import Request
from lab.results.execrecord import ExecRecord

PROGRAM = "openload"


@dataclass(frozen=True, slots=True)
class OpenLoad:
    rate: float  # requests per second
    connections: int
    threads: int
    warmup_s: float
    timeout_s: float

    @property
    def lead_s(self) -> float:
        return self.warmup_s

    def command(self, url: str, request: Request | Mix, seconds: float) -> list[str]:
        # openload sends plain GETs only: a configuration that asks for more is refused
        # before any plan (lab.model.config). A mix's parts are `--mix WEIGHT:PATH`, in the
        # mix's order of parts, the URL then naming the app's root.
        if request.what_more():
            raise ValueError(f"openload sends GET requests only, not {request.what_more()}")
        parts = parse_generator_args(request.generator_args()) if isinstance(request, Mix) else ()
        return [
            PROGRAM,
            "-R",
            f"{self.rate:.3f}",
            "-c",
            str(self.connections),
            "-t",
            str(min(self.threads, self.connections)),
            "-w",
            f"{self.warmup_s:g}",
            "-d",
            f"{seconds:g}",
            "--timeout",
            f"{self.timeout_s:g}",
            *(word for weight, path in parts for word in ("--mix", f"{weight}:{path}")),
            url,
        ]

    def parse(self, run: ExecRecord) -> OpenResult:
        return parse_open_output(run.stdout)

    def load_seconds(self, result: OpenResult) -> float:
        return self.warmup_s + result.window_s
