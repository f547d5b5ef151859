"""Extra Docker daemons beside the machine's engine, for integration tests that need more
than one engine (say, the app on one and the load generator on another):

    with extra_daemons(["app", "load"]) as daemons:
        client = docker.DockerClient(base_url=daemons["app"].url)

Each is a separate dockerd with its own data root, exec root, socket, pid file and config,
all under one short directory in /tmp (unix socket paths must stay under ~100 characters).
Given no --containerd, each dockerd starts its own containerd, whose socket and state live
under its exec root, so nothing is shared with the main engine's /var/lib/docker or
/var/run/docker. They leave iptables and IP forwarding alone, so the main engine's networking
stays as it was; their containers are meant for the host's network (network_mode="host").

Not `--bridge=none`: dockerd 20.10 then deletes the host's docker0 interface at start-up,
which the main engine's default network needs. Each daemon gets a bridge of its own
instead, made here and deleted with it, in the benchmarking range 198.18.0.0/15.
Running dockerd needs root; can_run_extra_daemons() says why it cannot, for a skip.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import docker
import requests

# A name becomes a directory and part of a containerd namespace.
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,15}")
_STOP_S = 20
_LOG_LINES = 20


@dataclass(frozen=True)
class ExtraDaemon:
    name: str
    root: Path  # its own directory: data/, exec/, docker.sock, dockerd.log
    url: str  # "unix:///.../docker.sock", for docker.DockerClient(base_url=url)
    pid: int


def can_run_extra_daemons() -> str | None:
    """Why extra daemons cannot run here, or None when they can."""
    if os.geteuid() != 0:
        return "extra Docker daemons need root"
    for tool in ("dockerd", "ip", "umount"):
        if shutil.which(tool) is None:
            return f"{tool} is not on PATH"
    return None


def dockerd_command(name: str, root: Path, bridge: str) -> list[str]:
    """The command line of the daemon `name` in `root`, on the existing bridge `bridge`
    (dockerd creates only one named docker0), whose address it takes for its network."""
    return [
        "dockerd",
        f"--data-root={root / 'data'}",
        f"--exec-root={root / 'exec'}",
        f"--pidfile={root / 'docker.pid'}",
        f"--host=unix://{root / 'docker.sock'}",
        # Its own (empty) config, so an /etc/docker/daemon.json meant for the main engine
        # (hosts, data-root, ...) cannot clash with these flags.
        f"--config-file={root / 'daemon.json'}",
        # Each dockerd has its own containerd already; distinct namespaces make its
        # containers tell whose they are in `ctr` and in the shims' command lines too.
        f"--containerd-namespace=lab-{name}",
        f"--containerd-plugins-namespace=lab-{name}-plugins",
        f"--bridge={bridge}",
        "--iptables=false",
        "--ip-masq=false",
        "--ip-forward=false",
        "--log-level=warn",
    ]


@contextlib.contextmanager
def extra_daemons(names: Sequence[str], timeout_s: float = 60) -> Iterator[dict[str, ExtraDaemon]]:
    """Start one dockerd per name, all at once, and wait until each answers a ping.

    On leaving (normally, by an exception or by KeyboardInterrupt) every container on them
    is removed, each daemon stopped and reaped, and their directory unmounted and deleted.
    Raises RuntimeError, with the end of its log, when a daemon exits or does not answer
    within timeout_s.
    """
    if len(set(names)) != len(names) or not all(_NAME.fullmatch(name) for name in names):
        raise ValueError(f"daemon names must be distinct and match {_NAME.pattern}: {names}")
    base = Path(tempfile.mkdtemp(prefix="lab-eng-", dir="/tmp"))
    # Interface names hold 15 characters: "lab", mkdtemp's 8 random ones and an index.
    bridges = [f"lab{base.name.removeprefix('lab-eng-')}{i}" for i in range(len(names))]
    subnets = random.sample(range(256), len(names))
    made: list[str] = []
    started: list[tuple[ExtraDaemon, subprocess.Popen[bytes]]] = []
    try:
        for name, bridge, subnet in zip(names, bridges, subnets, strict=True):
            subprocess.run(["ip", "link", "add", bridge, "type", "bridge"], check=True)
            made.append(bridge)
            # Its address, or dockerd picks a free one of the pools the main engine's own
            # networks come from (172.17-31, 192.168).
            address = f"198.18.{subnet}.1/24"
            subprocess.run(["ip", "address", "add", address, "dev", bridge], check=True)
            started.append(_start(name, base / name, bridge))
        _wait_until_answering(started, timeout_s)
        yield {daemon.name: daemon for daemon, _ in started}
    finally:
        for daemon, _ in started:
            _remove_containers(daemon)
        _stop([process for _, process in started])
        _kill_leftovers(base)
        for bridge in made:
            subprocess.run(["ip", "link", "delete", bridge], check=False, capture_output=True)
        _unmount_under(base)
        # rmtree would delete through a mount that is still there; leave the directory then.
        if not _mounts_under(base):
            shutil.rmtree(base, ignore_errors=True)


def _start(name: str, root: Path, bridge: str) -> tuple[ExtraDaemon, subprocess.Popen[bytes]]:
    root.mkdir()
    (root / "daemon.json").write_text("{}\n")
    with (root / "dockerd.log").open("wb") as log:
        # A session of its own: a Ctrl-C at the terminal reaches this process only (which
        # then stops the daemon in order), and the daemon's process group can be killed.
        process = subprocess.Popen(
            dockerd_command(name, root, bridge),
            # containerd writes its stack dumps (on SIGUSR1, which dockerd sends before it
            # kills one that stopped answering) to $TMPDIR: keep them in here too.
            env={**os.environ, "TMPDIR": str(root)},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return ExtraDaemon(name, root, f"unix://{root / 'docker.sock'}", process.pid), process


def _wait_until_answering(
    started: list[tuple[ExtraDaemon, subprocess.Popen[bytes]]], timeout_s: float
) -> None:
    deadline = time.monotonic() + timeout_s
    waiting = list(started)
    while True:
        waiting = [(daemon, process) for daemon, process in waiting if not _answers(daemon.url)]
        if not waiting:
            return
        for daemon, process in waiting:
            if process.poll() is not None:
                raise RuntimeError(
                    f"dockerd {daemon.name!r} exited with {process.returncode}; "
                    f"the end of {daemon.root / 'dockerd.log'}:\n{_log_tail(daemon)}"
                )
        if time.monotonic() > deadline:
            daemon = waiting[0][0]
            raise RuntimeError(
                f"dockerd {daemon.name!r} did not answer within {timeout_s:g} s; "
                f"the end of {daemon.root / 'dockerd.log'}:\n{_log_tail(daemon)}"
            )
        time.sleep(0.1)


def _listening(url: str) -> bool:
    """Whether something accepts connections on the daemon's socket. Asked with a socket
    of our own, closed either way: docker-py leaves the socket of a refused connection to
    the collector, whose ResourceWarning then fails whichever test runs at the time."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(5)
        try:
            probe.connect(url.removeprefix("unix://"))
        except OSError:
            return False
    return True


def _answers(url: str) -> bool:
    if not _listening(url):
        return False
    try:
        # A given API version (this machine's dockerd speaks 1.41): a client left to ask for
        # it connects as it is made.
        with contextlib.closing(docker.APIClient(base_url=url, timeout=5, version="1.41")) as api:
            return api.ping() is True
    except (docker.errors.DockerException, requests.RequestException):
        return False


def _log_tail(daemon: ExtraDaemon) -> str:
    try:
        lines = (daemon.root / "dockerd.log").read_text(errors="replace").splitlines()
    except OSError as exc:
        return f"(no log: {exc})"
    return "\n".join(lines[-_LOG_LINES:])


def _remove_containers(daemon: ExtraDaemon) -> None:
    """Force-remove every container: a dockerd stopped with running containers waits for
    them, and one killed leaves their shims and mounts behind."""
    if not _listening(daemon.url):
        return  # killed, or never started: stopping it below is all there is to do
    try:
        # The API version given, as in _answers: no request before the first one here.
        client = docker.DockerClient(base_url=daemon.url, timeout=20, version="1.41")
        with contextlib.closing(client):
            for container in client.containers.list(all=True):
                # One that will not go must not keep the others (or the stop) from happening.
                with contextlib.suppress(docker.errors.DockerException, requests.RequestException):
                    container.remove(force=True)
    except (docker.errors.DockerException, requests.RequestException):
        pass  # it never answered, or died: stopping it below is all there is to do


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM all at once (each takes seconds to stop), wait, then SIGKILL the stragglers'
    process groups; reap each."""
    for process in processes:
        process.send_signal(signal.SIGTERM)  # a no-op on one that has exited
    deadline = time.monotonic() + _STOP_S
    for process in processes:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _kill_leftovers(base: Path) -> None:
    """SIGKILL what still runs of the daemons under `base` once they are gone. That is
    something only after a dockerd had to be killed: its containers' shims outlive it by
    design (they name its exec root), and so do the containers' processes (found by their
    cgroups, which name the container IDs). Its containerd runs in a session of its own,
    out of reach of killpg, but dies with its dockerd (a parent-death signal)."""
    needle = f"{base}/".encode()
    ids = [path.name for path in base.glob("*/data/containers/*")]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        # Processes come and go while this looks; one gone is one less to kill.
        with contextlib.suppress(OSError):
            cgroups = (entry / "cgroup").read_text()
            if needle in (entry / "cmdline").read_bytes() or any(i in cgroups for i in ids):
                os.kill(int(entry.name), signal.SIGKILL)


def _mounts_under(base: Path) -> list[str]:
    prefix = f"{base}/"
    points = [line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines()]
    # /proc/self/mounts writes a space as \040 (and tab, newline, backslash likewise).
    points = [re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), p) for p in points]
    return [point for point in points if point.startswith(prefix)]


def _unmount_under(base: Path) -> None:
    """Unmount what the daemons left mounted: a dockerd bind-mounts its data root on itself
    and unmounts it only when it stops cleanly; a killed one also leaves its containers'
    overlay2 layers and shm mounts. Deepest first, so that each one can go."""
    for point in sorted(_mounts_under(base), key=len, reverse=True):
        # Lazy: nothing of the daemon runs any more, so nothing can hold the mount busy for
        # long, and the point is detached at once either way.
        subprocess.run(["umount", "--lazy", point], check=False, capture_output=True)
