"""A plan's shards as a CI matrix: a GitHub Actions workflow or a GitLab CI pipeline.

Both have the same three steps: one job builds the lab's images and saves them as a bundle;
a job per shard loads that bundle (so every machine runs the same image IDs), runs its
shard and keeps its run folder; a last job, after every shard, merges them. Shards run on
self-hosted machines given a label: timing needs a dedicated machine, never a shared
hosted runner, and a runner takes one job at a time, so a machine runs one shard at a time.
"""

from __future__ import annotations

from lab.model.fanout import SHARD_FOLDER, Fanout
from lab.report.fanoutyaml import yaml_file

BUNDLE = "lab-images.tar"
PYTHON = ".venv/bin/python"
SETUP = "make venv engine"  # idempotent: an engine that already answers is left alone


def github_workflow(fanout: Fanout, runner_label: str) -> dict[str, object]:
    runs_on = ["self-hosted", runner_label]
    shard = "${{ matrix.shard }}"
    out = f"results/{SHARD_FOLDER.format(shard=shard)}"
    checkout = {"uses": "actions/checkout@v4"}
    images = {
        "runs-on": runs_on,
        "steps": [
            checkout,
            {"run": SETUP},
            {"run": f"{PYTHON} -m lab bundle save {BUNDLE}"},
            {
                "uses": "actions/upload-artifact@v4",
                "with": {"name": "lab-images", "path": BUNDLE, "retention-days": 1},
            },
        ],
    }
    shards = {
        "needs": "images",
        "runs-on": runs_on,
        "strategy": {
            "fail-fast": False,  # the other shards' rounds still count; the merge names gaps
            "matrix": {"shard": list(range(1, fanout.shards + 1))},
        },
        "steps": [
            checkout,
            {"uses": "actions/download-artifact@v4", "with": {"name": "lab-images"}},
            {"run": SETUP},
            {"run": f"{PYTHON} -m lab bundle load {BUNDLE}"},
            {"run": fanout.run_command(shard, out, python=PYTHON)},
            {
                "if": "always()",
                "uses": "actions/upload-artifact@v4",
                "with": {"name": f"shard-{shard}", "path": out},
            },
        ],
    }
    merge = {
        "needs": "shard",
        "if": "${{ !cancelled() }}",
        "runs-on": runs_on,
        "steps": [
            checkout,
            {
                "uses": "actions/download-artifact@v4",
                "with": {"pattern": "shard-*", "path": "shards"},
            },
            {"run": "make venv"},
            {"run": fanout.merge_command("shards", "results/merged", python=PYTHON)},
            {
                "uses": "actions/upload-artifact@v4",
                "with": {"name": "merged", "path": "results/merged"},
            },
        ],
    }
    return {
        "name": f"lab: {fanout.shards} shards, merged",
        "on": {"workflow_dispatch": {}},
        "jobs": {"images": images, "shard": shards, "merge": merge},
    }


def gitlab_pipeline(fanout: Fanout, runner_label: str) -> dict[str, object]:
    tags = [runner_label]
    out = f"results/{SHARD_FOLDER.format(shard='$CI_NODE_INDEX')}"
    return {
        "stages": ["images", "shards", "merge"],
        "images": {
            "stage": "images",
            "tags": tags,
            "script": [SETUP, f"{PYTHON} -m lab bundle save {BUNDLE}"],
            "artifacts": {"paths": [BUNDLE], "expire_in": "1 day"},
        },
        "shard": {
            "stage": "shards",
            "tags": tags,
            "needs": ["images"],
            "parallel": fanout.shards,  # CI_NODE_INDEX is 1..N, as --shard counts
            "script": [
                SETUP,
                f"{PYTHON} -m lab bundle load {BUNDLE}",
                fanout.run_command("$CI_NODE_INDEX", out, python=PYTHON),
            ],
            "artifacts": {"when": "always", "paths": ["results/"]},
        },
        "merge": {
            "stage": "merge",
            "tags": tags,
            "needs": [{"job": "shard", "artifacts": True}],
            "when": "always",  # after every shard, failed ones too: the merge names gaps
            "script": ["make venv", fanout.merge_command("results", "results/merged", PYTHON)],
            "artifacts": {"paths": ["results/merged"]},
        },
    }


def github_files(fanout: Fanout, runner_label: str) -> dict[str, str]:
    header = fanout.header(
        f"Runs on self-hosted runners labelled {runner_label}, one machine each (dedicated:"
        " shared hosted runners make timing noise); start it from the Actions tab."
    )
    return {
        ".github/workflows/lab-fanout.yml": yaml_file(
            header, [github_workflow(fanout, runner_label)]
        )
    }


def gitlab_files(fanout: Fanout, runner_label: str) -> dict[str, str]:
    header = fanout.header(
        f"Runs on runners tagged {runner_label}, one dedicated machine each; include it from"
        " .gitlab-ci.yml or use it as that file."
    )
    pipeline = gitlab_pipeline(fanout, runner_label)
    return {"lab-fanout.gitlab-ci.yml": yaml_file(header, [pipeline])}
