"""A fixed CPU-bound score measured in the app's placement: the run's calibration figure.

Pure: the workload, how to read its output and the record; the runner runs it.

Runs on two machines differ in CPU as much as in anything the apps do. The score —
how many rounds of a fixed Python workload the apps' own interpreter completes per
second on the app's CPUs — lets `compare` put figures from different machines on
one scale.
"""

from __future__ import annotations

import hashlib
import json
import statistics
from typing import Any

from lab.model.placement import CpuSlot

SECONDS = 2
SAMPLES = 3
# JSON round trips, string formatting and a sort: the kind of work a request handler does.
WORKLOAD = f"""
import json, time
payload = {{"hit": 12345, "items": list(range(64)), "text": "Hello, world!" * 4}}
def unit():
    body = json.dumps(payload)
    json.loads(body)
    "{{}} {{}} {{}}".format(len(body), body[:8], payload["hit"])
    sorted(payload["items"], key=lambda x: -x)
rounds = 0
start = time.perf_counter()
while time.perf_counter() - start < {SECONDS}:
    for _ in range(100):
        unit()
    rounds += 100
print(json.dumps({{"rounds_per_s": rounds / (time.perf_counter() - start)}}))
"""
WORKLOAD_SHA256 = hashlib.sha256(WORKLOAD.encode()).hexdigest()


def parse_score(output: str) -> float:
    """rounds/s from the workload's one JSON line."""
    line = output.strip().splitlines()[-1]
    value = json.loads(line)["rounds_per_s"]
    if not isinstance(value, int | float) or value <= 0:
        raise ValueError(f"not a positive score: {line!r}")
    return float(value)


def calibration_record(samples: list[float], image: str, slot: CpuSlot) -> dict[str, Any]:
    return {
        "score": statistics.median(samples),
        "unit": "rounds/s",
        "samples": samples,
        "workload_sha256": WORKLOAD_SHA256,
        "image": image,
        "cpuset": slot.cpuset,
        "cpus": slot.cpus,
    }
