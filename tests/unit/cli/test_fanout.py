"""`lab fanout render`: each engine's files parse, run exactly shards 1..N of one seeded plan
with the run flags as given, fence the CPUs (Kubernetes) and merge after every shard.

No Kubernetes schema is available offline (python3-kubernetes is not installed here): the
fields that matter are checked by hand. Each shard's command is evaluated by `sh` as its
engine would, with a stub `python` that prints its arguments.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from lab.cli.main import main

RUN_FLAGS = ["--apps", "aio,flask", "--scenarios", "hello,hit", "--repetitions", "8"]
STUB = "import json, sys; print(json.dumps(sys.argv[1:]))\n"


def render(tmp_path: Path, engine: str, *args: str) -> dict[str, list[Any]]:
    """The files rendered under tmp_path, by path, each as its YAML documents."""
    out = tmp_path / "files"
    assert main(["fanout", "render", engine, "--out", str(out), *args]) == 0
    return {
        str(path.relative_to(out)): list(yaml.safe_load_all(path.read_text()))
        for path in sorted(out.rglob("*"))
        if path.is_file()
    }


def evaluated(tmp_path: Path, script: str, python: str, env: dict[str, str]) -> list[list[str]]:
    """The argument lists `python` is called with when `sh` runs `script` under `env`."""
    stub = tmp_path / "python"
    stub.write_text(f"#!{sys.executable}\n{STUB}")
    stub.chmod(0o755)
    done = subprocess.run(
        ["sh", "-c", script.replace(python, str(stub))],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return [json.loads(line) for line in done.stdout.splitlines()]


def shard_of(argv: list[str]) -> str:
    assert argv[:3] == ["-m", "lab", "run"]
    return argv[argv.index("--shard") + 1]


def run_flags(argv: list[str]) -> list[str]:
    """The flags between --shard I/N and --out."""
    return argv[argv.index("--shard") + 2 : argv.index("--out")]


def test_kubernetes_indexed_job_runs_shards_1_to_n_one_a_node(tmp_path: Path) -> None:
    files = render(tmp_path, "kubernetes", "--shards", "3", "--node-cpus", "8", *RUN_FLAGS)
    claim, job = files["kubernetes/shards.yaml"]
    assert claim["kind"] == "PersistentVolumeClaim"
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    spec = job["spec"]
    assert (job["kind"], spec["completionMode"]) == ("Job", "Indexed")
    assert spec["completions"] == spec["parallelism"] == 3
    pod = spec["template"]["spec"]
    (container,) = pod["containers"]
    assert container["command"][:2] == ["sh", "-c"]
    calls = {
        index: evaluated(
            tmp_path,
            container["command"][2],
            "/lab/.venv/bin/python",
            {"JOB_COMPLETION_INDEX": str(index)},
        )
        for index in range(3)
    }
    for index, (load, run) in calls.items():
        assert load == ["-m", "lab", "bundle", "load", "lab-images.tar"]
        assert shard_of(run) == f"{index + 1}/3"
        assert run_flags(run) == [*RUN_FLAGS, "--seed", "1"]
        assert run[-1] == f"/lab-results/shard-{index + 1}"
    # One shard a node: required anti-affinity on the shards' own labels, by hostname.
    (term,) = pod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    labels = spec["template"]["metadata"]["labels"]
    assert term["labelSelector"]["matchLabels"] == labels
    # Guaranteed QoS with whole CPUs: the static CPU manager policy makes them exclusive.
    resources = container["resources"]
    assert resources["requests"] == resources["limits"]
    assert resources["requests"]["cpu"] == "7"  # every CPU of 8 but the kubelet's CPU 0
    assert resources["requests"]["memory"]
    mounts = {mount["mountPath"] for mount in container["volumeMounts"]}
    assert {"/var/run/docker.sock", "/lab-results"} <= mounts


def test_kubernetes_merge_job_reads_every_shard_after_the_shards(tmp_path: Path) -> None:
    files = render(tmp_path, "kubernetes", "--shards", "2", *RUN_FLAGS)
    (job,) = files["kubernetes/merge.yaml"]
    script = job["spec"]["template"]["spec"]["containers"][0]["command"][2]
    assert "-m lab merge /lab-results/shard-*/*/" in script
    header = (tmp_path / "files/kubernetes/shards.yaml").read_text()
    wait = header.index("kubectl wait --for=condition=complete job/lab-shards")
    assert wait < header.index("kubectl apply -f kubernetes/merge.yaml")


def test_github_actions_matrix_of_shards_then_merge(tmp_path: Path) -> None:
    files = render(tmp_path, "github-actions", "--shards", "4", *RUN_FLAGS, "--seed", "42")
    (workflow,) = files[".github/workflows/lab-fanout.yml"]
    jobs = workflow["jobs"]
    shard = jobs["shard"]
    assert "self-hosted" in shard["runs-on"]
    matrix = shard["strategy"]["matrix"]["shard"]
    assert matrix == [1, 2, 3, 4]
    (command,) = [step["run"] for step in shard["steps"] if "--shard" in step.get("run", "")]
    for value in matrix:
        expanded = command.replace("${{ matrix.shard }}", str(value))
        (run,) = evaluated(tmp_path, expanded, ".venv/bin/python", {})
        assert shard_of(run) == f"{value}/4"
        assert run_flags(run) == [*RUN_FLAGS, "--seed", "42"]
    assert any(step.get("run") == "make venv engine" for step in shard["steps"])
    assert jobs["merge"]["needs"] == "shard"  # a matrix job: every shard of it
    assert any(
        "-m lab merge shards/shard-*/*/" in step.get("run", "") for step in jobs["merge"]["steps"]
    )


def test_gitlab_parallel_shards_then_merge(tmp_path: Path) -> None:
    files = render(tmp_path, "gitlab-ci", "--shards", "3", *RUN_FLAGS)
    (pipeline,) = files["lab-fanout.gitlab-ci.yml"]
    shard = pipeline["shard"]
    assert shard["parallel"] == 3
    script = " && ".join(shard["script"][1:])
    shards = set()
    for index in (1, 2, 3):
        _, run = evaluated(tmp_path, script, ".venv/bin/python", {"CI_NODE_INDEX": str(index)})
        shards.add(shard_of(run))
        assert run_flags(run) == [*RUN_FLAGS, "--seed", "1"]
    assert shards == {"1/3", "2/3", "3/3"}
    stages = pipeline["stages"]
    assert stages.index(shard["stage"]) < stages.index(pipeline["merge"]["stage"])
    assert pipeline["merge"]["needs"] == [{"job": "shard", "artifacts": True}]


def test_the_seed_not_given_is_the_presets_and_said(tmp_path: Path) -> None:
    render(tmp_path, "gitlab-ci", "--shards", "2", "--preset", "quick", "--repetitions", "2")
    text = (tmp_path / "files/lab-fanout.gitlab-ci.yml").read_text()
    assert "# --seed 1 is the quick preset's seed, written out" in text
    assert "--preset quick --repetitions 2 --seed 1 " in text


def test_flags_are_passed_as_given_switches_and_repeats_included(tmp_path: Path) -> None:
    flags = ["--no-ceiling", "--app-env", "A=1 2", "--app-env", "B=3", "--seed", "5"]
    files = render(tmp_path, "gitlab-ci", "--shards", "1", *flags)
    script = " && ".join(files["lab-fanout.gitlab-ci.yml"][0]["shard"]["script"][1:])
    _, run = evaluated(tmp_path, script, ".venv/bin/python", {"CI_NODE_INDEX": "1"})
    # In the fields' order (run.json's), each value one argument as typed.
    assert run_flags(run) == [
        "--seed",
        "5",
        "--app-env",
        "A=1 2",
        "--app-env",
        "B=3",
        "--no-ceiling",
    ]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--shards", "0"], "--shards 0"),
        (["--shards", "9", "--repetitions", "8"], "--shards 9"),
        (["--shards", "2", "--target-ci", "5"], "--target-ci"),
        (["--shards", "2", "--aa", "aio"], "--aa"),  # as `lab run --shard` refuses it
        (["--shards", "2", "--engine", "app=ssh://h"], "--engine"),
        (["--shards", "2", "--config", "lab.toml"], "--config lab.toml"),
        (["--shards", "2", "--node-cpus", "2"], "--node-cpus 2"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    args: list[str], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["fanout", "render", "kubernetes", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and named in err and " — " in err


@pytest.mark.parametrize(
    "bad", [["--apps", "flask,tornado"], ["--scenarios", "nope"], ["--duration", "abc"]]
)
def test_run_flags_are_refused_as_lab_plan_refuses_them(
    bad: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", *bad]) == 2
    refused = capsys.readouterr().err
    assert main(["fanout", "render", "github-actions", "--shards", "2", *bad]) == 2
    assert capsys.readouterr().err == refused


def test_docs_show_what_the_lab_renders_now(capsys: pytest.CaptureFixture[str]) -> None:
    command = "--shards 3 --node-cpus 8 --apps aio,flask --scenarios hello,hit --repetitions 9"
    assert main(["fanout", "render", "kubernetes", *command.split(), "--seed", "7"]) == 0
    shards = capsys.readouterr().out.split("# --- kubernetes/merge.yaml\n")[0]
    rendered = shards.removeprefix("# --- kubernetes/shards.yaml\n")
    docs = (Path(__file__).resolve().parents[3] / "docs/fanout.md").read_text()
    assert rendered in docs, "docs/fanout.md's example is stale: render it again"
