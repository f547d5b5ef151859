"""An app none of us wrote, from the package index, measured on its own endpoints as its
manifest declares them (docs/examples/httpbin); a rule its answers break fails the trial
with the rule's words, before any load."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from lab.errors import EXIT_TRIAL_FAILED
from lab.images.labels import IMAGE_NAME, VERSIONS
from lab.paths import ROOT
from tests.integration.conftest import lab

HTTPBIN = ROOT / "docs" / "examples" / "httpbin"
OWN = ["get", "anything", "html"]


def run_trials(run_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted((run_dir / "trials").glob("*.json"))]


def test_httpbin_runs_on_its_own_endpoints_and_a_broken_rule_fails_verification(
    tmp_path: Path, docker_client: Any, images: dict[str, str]
) -> None:
    del images  # built first: the run starts from the lab's own images too
    folder = tmp_path / "httpbin"
    shutil.copytree(HTTPBIN, folder)
    # The same app, with a rule its /html page breaks: the trial must fail verification.
    broken = tmp_path / "httpbin_broken"
    shutil.copytree(HTTPBIN, broken)
    manifest = (broken / "app.toml").read_text()
    manifest = manifest.replace("Herman Melville - Moby-Dick", "Call me Ahab")
    # Renamed: one scenario name is one scenario, whichever folder declares it.
    manifest = manifest.replace("[endpoints.", "[endpoints.broken_")
    manifest = manifest.replace('"get", "anything", "html"', '"broken_html"')
    (broken / "app.toml").write_text(manifest)
    out = tmp_path / "results"
    try:
        done = lab(
            "run", "--apps", f"{folder},{broken}", "--scenarios", ",".join([*OWN, "broken_html"]),
            "--preset", "quick", "--repetitions", "1", "--no-ceiling", "--out", str(out),
            timeout=900,
        )  # fmt: skip
        (run_dir,) = out.iterdir()
        trials = run_trials(run_dir)
        served = {(t["app"], t["scenario"]): t for t in trials}
        assert sorted(served) == [
            *(("httpbin", name) for name in sorted(OWN)),
            ("httpbin_broken", "broken_html"),
        ]
        for name in OWN:
            trial = served["httpbin", name]
            assert trial["status"] == "ok", trial["reason"]
            assert trial["verification"]["problems"] == []
        failed = served["httpbin_broken", "broken_html"]
        assert failed["status"] == "failed"
        # Both answers' problems, in one reason (" | " inside it, "; " between reasons).
        reason = failed["reason"]
        assert reason.startswith("verification failed: response 1: body '<!DOCTYPE html>")
        assert reason.count("does not contain 'Call me Ahab'") == 2 and "; " not in reason
        assert done.returncode == EXIT_TRIAL_FAILED, done.stderr[-2000:]
        run = json.loads((run_dir / "run.json").read_text())
        assert "httpbin==" in run["provenance"]["images"]["httpbin"]["labels"][VERSIONS]
    finally:
        for name in ("httpbin", "httpbin_broken"):
            for image in docker_client.images.list(filters={"label": f"{IMAGE_NAME}={name}"}):
                docker_client.images.remove(image.id, force=True)
