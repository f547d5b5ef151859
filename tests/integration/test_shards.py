"""Shards made by hand on the real engine: `--shard 1/2` and `--shard 2/2` of the smallest
plan of two rounds, merged, hold every planned trial once and state the shards' agreement."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.integration.conftest import lab

SMALLEST = ["--preset", "quick", "--repetitions", "2", "--duration", "1", "--warmup", "0"]
SMALLEST += ["--connections", "32", "--no-ceiling"]


def test_two_shards_merged_hold_the_whole_plan(
    docker_client: Any,  # noqa: ARG001 - the engine answers
    images: dict[str, str],  # noqa: ARG001 - built first
    tmp_path: Path,
) -> None:
    folders = []
    for shard in ("1/2", "2/2"):
        out = tmp_path / shard.replace("/", "-of-")
        done = lab("run", *SMALLEST, "--shard", shard, "--out", str(out))
        assert done.returncode == 0, done.stderr[-3000:]
        (run_dir,) = out.iterdir()
        folders.append(run_dir)
    shards = [json.loads((d / "run.json").read_text())["shard"] for d in folders]
    assert [s["rounds"] for s in shards] == [[1], [2]]
    assert shards[0]["plan_hash"] == shards[1]["plan_hash"]

    done = lab("merge", *map(str, folders), "--out", str(tmp_path / "merged"))
    assert done.returncode == 0, done.stderr[-3000:]
    (merged,) = (tmp_path / "merged").iterdir()
    run = json.loads((merged / "run.json").read_text())
    assert run["status"] == "complete"
    trials = [json.loads(p.read_text()) for p in sorted((merged / "trials").glob("*.json"))]
    planned = [(t["index"], t["app"], t["scenario"], t["repetition"]) for t in run["plan"]]
    assert [(t["index"], t["app"], t["scenario"], t["repetition"]) for t in trials] == planned
    assert len(planned) == 8 and {t["shard"] for t in trials} == {"1/2", "2/2"}
    assert all(t["node"] for t in trials)
    summary = json.loads((merged / "summary.json").read_text())
    assert summary["schema_version"] == 5
    assert [g["rounds"] for g in summary["hosts"]["groups"]] == [[1], [2]]
    # One round a shard: each shard's ratio stands, with no spread within a shard to test.
    for agreement in summary["hosts"]["ratios"]:
        assert len(agreement["hosts"]) == 2 and agreement["p_value"] is None
    assert lab("show", str(merged)).returncode == 0
