"""A run carried elsewhere: bundle its images, lose them, load them back, rerun it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import docker.errors

from tests.integration.conftest import lab

SHORT = ["--preset", "quick", "--scenarios", "hello", "--duration", "1", "--warmup", "0"]


def run_json(run_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((run_dir / "run.json").read_text())
    return data


def test_bundle_remove_load_and_rerun_gives_the_same_provenance(
    docker_client: Any, images: dict[str, str], tmp_path: Path
) -> None:
    first = lab("run", *SHORT, "--no-ceiling", "--out", str(tmp_path / "runs"))
    assert first.returncode == 0, first.stderr[-2000:]
    (original,) = (tmp_path / "runs").iterdir()
    bundle = tmp_path / "run.bundle"
    saved = lab("bundle", "save", str(bundle), "--run", str(original))
    assert saved.returncode == 0, saved.stderr[-2000:]

    recorded = run_json(original)["provenance"]["images"]
    try:
        for name in ("flask", "aio"):
            docker_client.images.remove(recorded[name]["id"], force=True)
        refused = lab("rerun", str(original))
        assert refused.returncode == 2
        assert "bundle load" in refused.stderr and "is not on this engine" in refused.stderr
    finally:
        loaded = lab("bundle", "load", str(bundle))
        assert loaded.returncode == 0, loaded.stderr[-2000:]

    for data in recorded.values():
        assert docker_client.images.get(data["id"]).id == data["id"]
    again = lab("rerun", str(original), "--out", str(tmp_path / "reruns"))
    assert again.returncode == 0, again.stderr[-2000:]
    (rerun,) = (tmp_path / "reruns").iterdir()
    copy = run_json(rerun)
    assert copy["rerun_of"]["run_id"] == run_json(original)["run_id"]
    assert {n: d["id"] for n, d in copy["provenance"]["images"].items()} == {
        n: d["id"] for n, d in recorded.items()
    }
    parameters = dict(run_json(original)["parameters"])
    parameters["out"] = str(tmp_path / "reruns")
    assert copy["parameters"] == parameters
    assert copy["plan"] == run_json(original)["plan"]
    assert copy["calibration"]["score"] > 0
    assert images  # the session's images are intact for the tests after this one
    for name, tag in images.items():
        try:
            docker_client.images.get(tag)
        except docker.errors.ImageNotFound:
            raise AssertionError(f"{name} image {tag} lost") from None
