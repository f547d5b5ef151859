from __future__ import annotations

from pathlib import Path

import pytest

from lab.errors import UsageError
from lab.images.containers import hardening
from lab.model.appfolder import ServerSpec
from lab.model.catalog import CEILING, builtin_catalog
from lab.model.fairness import (
    ACCESS_LOG,
    ACCESS_LOG_DIR,
    KEEPALIVE_S,
    Policy,
    server_command,
    unhonoured,
)

POLICY = Policy(workers=2, access_log=False)


def flag(argv: tuple[str, ...] | None, name: str) -> str:
    assert argv is not None
    return argv[argv.index(name) + 1]


@pytest.mark.parametrize(
    ("server", "workers", "keepalive"),
    [
        (ServerSpec("gunicorn", "app:app", worker_class="gevent"), "--workers", "--keep-alive"),
        (ServerSpec("uvicorn", "app:app", loop="uvloop"), "--workers", "--timeout-keep-alive"),
    ],
)
def test_every_server_gets_the_same_workers_keepalive_and_backlog(
    server: ServerSpec, workers: str, keepalive: str
) -> None:
    argv = server_command(server, POLICY)
    assert flag(argv, workers) == "2"
    assert flag(argv, keepalive) == str(KEEPALIVE_S)
    assert flag(argv, "--backlog") == "2048"
    assert "app:app" in (argv or ())


def test_granian_gets_the_policy_it_can_take_and_says_what_it_cannot() -> None:
    app = builtin_catalog().apps["fastapi-granian"]
    argv = server_command(app.server, POLICY)
    assert flag(argv, "--workers") == "2"
    assert flag(argv, "--interface") == "asgi"
    assert flag(argv, "--backlog") == "2048"
    assert unhonoured(app) and "keep-alive" in unhonoured(app)[0]


def test_the_access_log_is_off_unless_asked_for_everywhere() -> None:
    for app in builtin_catalog().apps.values():
        quiet = " ".join(server_command(app.server, POLICY) or ())
        loud = " ".join(server_command(app.server, Policy(2, access_log=True)) or ())
        assert quiet != loud, app.name
        assert "--access-log" in loud and "--no-access-log" not in loud.replace(
            "--access-logfile", ""
        )


def test_with_the_access_log_on_every_server_writes_it_inside_its_container() -> None:
    """Not to stdout: the engine would carry each line on the run's other CPUs, which the
    run's host evidence then counts as a disturbance (wrk's and Redis's CPU on 2 cores)."""
    for app in builtin_catalog().apps.values():
        argv = server_command(app.server, Policy(2, access_log=True))
        if argv is None:
            continue  # the ceiling server logs nothing
        if app.server.name == "gunicorn":
            assert flag(argv, "--access-logfile") == ACCESS_LOG, app.name
        else:
            # uvicorn and granian print their access log on stdout: that stdout is the file.
            assert argv[:4] == ("sh", "-c", f'exec "$@" >>{ACCESS_LOG}', "sh"), app.name
            assert argv[4] == app.server.name
    assert ACCESS_LOG_DIR in hardening("app")["tmpfs"]  # the app's own, writable
    assert ACCESS_LOG_DIR not in hardening("wrk")["tmpfs"]


def test_with_the_access_log_off_a_server_runs_as_itself() -> None:
    for app in builtin_catalog().apps.values():
        argv = server_command(app.server, POLICY)
        assert argv is None or argv[0] == app.server.name


def test_a_manifest_may_not_set_what_the_policy_sets(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "app.toml").write_text(
        'description = "d"\nframework = "f"\n[server]\nname = "uvicorn"\n'
        'target = "app:app"\nargs = ["--workers=8"]\n'
    )
    # Refused as the folder is read, before any plan or command exists.
    with pytest.raises(UsageError, match="--workers, which the lab's fairness policy sets"):
        builtin_catalog().with_folders([mine])


def test_the_ceiling_server_starts_with_its_own_command() -> None:
    assert server_command(CEILING.server, POLICY) is None
