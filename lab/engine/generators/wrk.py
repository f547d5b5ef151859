"""wrk, the closed-loop generator: as many requests as its connections allow, for a window.

wrk has no warmup of its own: a trial's warmup is a run of its own before the window.
Its result is the one JSON line of images/wrk/report.lua (lab.measure.wrkjson).
"""

from __future__ import annotations

from dataclasses import dataclass

from lab.measure.wrkjson import WrkResult, parse_wrk_output
from lab.model.mix import Mix
from lab.model.scenarios import Request
from lab.results.execrecord import ExecRecord

REPORTER = "/opt/lab/report.lua"


@dataclass(frozen=True, slots=True)
class Wrk:
    threads: int
    connections: int
    timeout_s: float

    @property
    def lead_s(self) -> float:
        return 0.0

    def command(self, url: str, request: Request | Mix, seconds: float) -> list[str]:
        # The configuration holds whole seconds only: wrk's -d and --timeout take no fractions.
        # A request other than a plain GET, or a mix, is the script's arguments
        # (images/wrk/report.lua).
        extra = request.generator_args()
        return [
            "wrk",
            f"-t{self.threads}",
            f"-c{self.connections}",
            f"-d{int(seconds)}s",
            f"--timeout={int(self.timeout_s)}s",
            "--latency",
            "-s",
            REPORTER,
            url,
            *(("--", *extra) if extra else ()),
        ]

    def parse(self, run: ExecRecord) -> WrkResult:
        return parse_wrk_output(run.stdout)

    def load_seconds(self, result: WrkResult) -> float:
        return result.duration_s
