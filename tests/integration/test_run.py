"""A short real run through the real command line: files, invariants, nothing left behind."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lab.model.fairness import ACCESS_LOG
from tests.integration.conftest import lab


def test_a_short_run_writes_every_file_and_leaves_nothing(
    docker_client: Any, images: dict[str, str], tmp_path: Path
) -> None:
    done = lab(
        "run",
        "--preset",
        "quick",
        "--duration",
        "1",
        "--warmup",
        "0",
        "--connections",
        "32",
        "--out",
        str(tmp_path),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (run_dir,) = tmp_path.iterdir()

    run = json.loads((run_dir / "run.json").read_text())
    assert run["schema_version"] == 1 and run["status"] == "complete"
    assert run["trials"] == {"planned": 4, "ok": 4, "failed": 0}
    assert run["provenance"]["images"]["aio"]["tag"] == images["aio"]
    assert run["provenance"]["engine"]["api_version"]
    assert run["applied"]["wrk"]["cpuset"] == run["placement"]["wrk"]["cpuset"]
    assert len(run["plan"]) == 4

    trials = [json.loads(p.read_text()) for p in sorted((run_dir / "trials").glob("*.json"))]
    assert [t["index"] for t in trials] == [1, 2, 3, 4]
    for trial in trials:
        assert trial["status"] == "ok", trial["reason"]
        assert trial["rps"] > 0
        assert trial["errors"] == dict.fromkeys(
            ["connect", "read", "write", "status", "timeout"], 0
        )
        assert trial["host"]["cpus"], trial["host"]
        assert trial["verification"]["problems"] == []
        assert trial["verification"]["applied"]["cpuset"] == run["placement"]["app"]["cpuset"]
        assert '"schema":"lab.wrk/1"' in trial["wrk"]["stdout"]
        assert trial["cpu"]["app"]["share"] > 0.1
        # Read from the cgroup files around wrk: one window for all three roles.
        assert trial["verification"]["cpu_source"] == "cgroup"
        assert len({trial["cpu"][role]["window_s"] for role in ("app", "wrk", "redis")}) == 1
        if trial["scenario"] == "hit":
            assert trial["invariant"]["holds"] is True
            assert trial["invariant"]["delta"] >= trial["ok_responses"]

    summary = json.loads((run_dir / "summary.json").read_text())
    assert {(c["app"], c["scenario"]) for c in summary["cells"]} == {
        ("flask", "hello"),
        ("aio", "hello"),
        ("flask", "hit"),
        ("aio", "hit"),
    }
    assert "aio / flask" in done.stdout

    selector = {"label": f"lab.run-id={run['run_id']}"}
    assert docker_client.containers.list(all=True, filters=selector) == []
    assert docker_client.networks.list(filters=selector) == []


def test_a_cpu_quota_shows_as_throttling_read_from_the_cgroup(
    images: dict[str, str],  # noqa: ARG001 (built first)
    tmp_path: Path,
) -> None:
    done = lab(
        "run",
        *("--preset", "quick", "--apps", "aio", "--scenarios", "hello", "--repetitions", "1"),
        *("--duration", "2", "--warmup", "0", "--no-ceiling", "--connections", "32"),
        *("--cpus", "app=0.5", "--out", str(tmp_path)),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (run_dir,) = tmp_path.iterdir()
    (trial,) = [json.loads(p.read_text()) for p in (run_dir / "trials").glob("*.json")]
    app = trial["cpu"]["app"]
    assert trial["verification"]["cpu_source"] == "cgroup"
    # Half a CPU under full load: each 100 ms CFS period of the two seconds throttled, for
    # about the half it may not run (seen: 21 of 21, 1.0 s), and the whole half CPU used.
    assert app["cpus"] == 0.5
    assert 15 <= app["periods"] <= 30, app
    assert app["throttled_periods"] >= 0.8 * app["periods"], app
    assert app["throttled_s"] > 0.5, app
    assert app["share"] > 0.8, app


def test_the_access_log_is_kept_in_the_apps_container_through_a_whole_trial(
    images: dict[str, str],  # noqa: ARG001 (built first)
    tmp_path: Path,
) -> None:
    done = lab(
        "run",
        *("--preset", "quick", "--apps", "flask,fastapi", "--scenarios", "hello"),
        *("--repetitions", "1", "--duration", "2", "--warmup", "1", "--no-ceiling"),
        *("--connections", "32", "--access-log", "--out", str(tmp_path)),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (run_dir,) = tmp_path.iterdir()
    run = json.loads((run_dir / "run.json").read_text())
    commands = {name: app["command"] for name, app in run["effective"]["apps"].items()}
    assert commands["flask"][commands["flask"].index("--access-logfile") + 1] == ACCESS_LOG
    assert commands["fastapi"][:4] == ["sh", "-c", f'exec "$@" >>{ACCESS_LOG}', "sh"]
    trials = [json.loads(p.read_text()) for p in sorted((run_dir / "trials").glob("*.json"))]
    assert [trial["status"] for trial in trials] == ["ok", "ok"], [t["reason"] for t in trials]
