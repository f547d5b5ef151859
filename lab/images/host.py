"""Everything the lab runs as a host process: pip downloads, uv, git, debootstrap, tar.

The only module that starts subprocesses, so that the rest can be tested without them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from lab.errors import BuildFailed


def _run(command: list[str], what: str, hint: str, cwd: Path | None = None) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=cwd)
    except FileNotFoundError as exc:
        raise BuildFailed(f"{what}: {command[0]} is not installed", hint) from exc
    if done.returncode != 0:
        tail = tuple((done.stderr or done.stdout).strip().splitlines()[-15:])
        raise BuildFailed(f"{what} failed (exit {done.returncode})", hint, log_tail=tail)
    return done.stdout


def download_wheels(lock: Path, dest: Path, platforms: tuple[str, ...], python: str) -> None:
    """Fetch every wheel of `lock` for the image's interpreter, hash-checked, into `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check"]
    command += ["--no-deps", "--require-hashes", "--only-binary=:all:", "--implementation", "cp"]
    command += ["--python-version", python, "--abi", f"cp{python.replace('.', '')}"]
    for platform in platforms:
        command += ["--platform", platform]
    command += ["-r", str(lock), "-d", str(dest)]
    _run(
        command,
        f"downloading the wheels of {lock}",
        "check the host reaches the package index; `make lock` re-resolves the lock",
    )


def compile_lock(requirements: Path, lock: Path, python: str, what: str | None = None) -> None:
    """Resolve `requirements` into a hash lock for the image's exact interpreter (uv).

    The same command `make lock` runs for the lab's own apps. A lock already at `lock` is
    uv's preference: its versions stay wherever the requirements allow them. Run in the
    lock's folder, so that the command the lock's header repeats names no absolute path
    (the lock is an image input: the same lock in two checkouts must be the same bytes).
    """
    uv = Path(sys.executable).with_name("uv")
    command = [str(uv) if uv.exists() else "uv", "pip", "compile", "--quiet", "--generate-hashes"]
    command += ["--python-version", python, "--python-platform", "linux"]
    here = lock.parent
    command += [os.path.relpath(requirements, here), "-o", lock.name]
    _run(
        command,
        what or f"locking {requirements}",
        "check its requirements resolve and the host reaches the package index",
        cwd=here,
    )


def git(folder: Path, *args: str) -> bytes | None:
    """What `git args` prints in `folder`; None when git refuses (or is not installed)."""
    try:
        done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, check=False)
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None


def can_install_packages() -> bool:
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def ensure_debootstrap() -> None:
    if shutil.which("debootstrap"):
        return
    if not can_install_packages():
        raise BuildFailed(
            "no registry answers and debootstrap is not installed",
            "install it (`apt-get install debootstrap`) or make debian:bookworm-slim pullable",
        )
    _run(["apt-get", "update", "-qq"], "apt-get update", "check the host reaches Debian's mirror")
    _run(
        ["apt-get", "install", "-y", "-qq", "debootstrap"],
        "installing debootstrap",
        "install it by hand: apt-get install debootstrap",
    )


def debootstrap(target: Path, suite: str, mirror: str, include: tuple[str, ...]) -> None:
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    command = ["debootstrap", "--variant=minbase", f"--include={','.join(include)}"]
    command += [suite, str(target), mirror]
    _run(command, f"debootstrap {suite} from {mirror}", f"see {target}/debootstrap/debootstrap.log")


def tar_directory(source: Path, archive: Path) -> None:
    """A tar of a root file system with numeric owners, as `docker import` expects."""
    _run(
        ["tar", "--numeric-owner", "--sort=name", "-C", str(source), "-cf", str(archive), "."],
        f"packing {source}",
        "check free disk space under .lab/",
    )


def git_revision(root: Path) -> dict[str, object]:
    """The working tree's commit and whether it has uncommitted changes (None outside git)."""
    try:
        sha = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return {"sha": None, "dirty": None}
    return {"sha": sha, "dirty": bool(status.strip())}


def cpu_model() -> str:
    """The host CPU's model name, from /proc/cpuinfo (Linux)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"
