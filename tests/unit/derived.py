"""Versions as apps in tests: a derived folder such as lab.images.versions leaves, written
by hand (aio's files with the pin in requirements.in, a ready lock — aio's own, so that no
test needs the package index — and the manifest); app folders of a user's, a git checkout
of one, and uv faked."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from lab.images.locks import parse_lock
from lab.model.versions import (
    LOCK_PINNED,
    VERSION_MANIFEST,
    AppVersion,
    Derivation,
    VersionEntry,
    derived_folder_name,
    pin_requirements,
)
from lab.paths import ROOT

AIO = ROOT / "apps" / "aio"


def derived_aio(parent: Path, spec: str = "aiohttp==3.9.5") -> Path:
    entry = VersionEntry("aio", spec)
    folder = parent / derived_folder_name("aio", spec, f"{AIO}\n{spec}")
    folder.mkdir(parents=True)
    for name in ("app.py", "app.toml", "requirements.lock"):
        shutil.copy(AIO / name, folder / name)
    requirements = pin_requirements((AIO / "requirements.in").read_text(), entry, "here")
    (folder / "requirements.in").write_text(requirements)
    derivation = Derivation(
        entry=entry.text,
        base="aio",
        spec=spec,
        source=str(AIO),
        commit=None,
        lock=LOCK_PINNED,
        lock_inputs_sha256="0" * 64,
        base_lock_sha256="1" * 64,
        locked=spec,
    )
    (folder / VERSION_MANIFEST).write_text(derivation.to_toml())
    return folder


def version_of(folder: Path, spec: str = "aiohttp==3.9.5") -> AppVersion:
    return AppVersion(f"aio@{spec}", str(folder))


HASH = "--hash=sha256:" + "0" * 64
# What uvicorn's knobs in apps/starlette/app.toml load is in the lock, as in a real one.
SOURCE_LOCK = "".join(
    f"{pin} \\\n    {HASH}\n"
    for pin in ("httptools==0.6.4", "starlette==0.40.0", "uvicorn==0.30.0", "uvloop==0.21.0")
)


# uvicorn[standard] brings uvloop and httptools; the fake resolver knows no extras.
REQUIREMENTS = "starlette\nuvicorn[standard]\nuvloop\nhttptools\n"


class FakeUv:
    """uv pip compile as far as the lab relies on it: the pins as asked, the other
    packages at the versions of the lock already at the output path (else 1.0)."""

    def __init__(self) -> None:
        self.preferred: list[str] = []

    def __call__(self, requirements: Path, lock: Path, python: str, what: str = "") -> None:
        assert python == "3.11.2" and what.startswith("locking ")
        preferred = lock.read_text() if lock.is_file() else ""
        self.preferred.append(preferred)
        versions = {pin.name: pin.version for pin in parse_lock(preferred)} if preferred else {}
        text = ""
        for line in requirements.read_text().splitlines():
            found = re.match(r"^([a-z0-9_-]+)(?:\[[^\]]*\])?(?:==([^\s;#]+))?", line)
            if found:
                name = found.group(1)
                text += f"{name}=={found.group(2) or versions.get(name, '1.0')} \\\n    {HASH}\n"
        lock.write_text(text)

    @property
    def calls(self) -> int:
        return len(self.preferred)


def app_folder(path: Path, code: str = "v1", lock: bool = True) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "app.toml").write_text((ROOT / "apps/starlette/app.toml").read_text())
    (path / "app.py").write_text(f"app = {code!r}\n")
    (path / "requirements.in").write_text(REQUIREMENTS)
    if lock:
        (path / "requirements.lock").write_text(SOURCE_LOCK)
    return path


def git(repo: Path, *args: str) -> str:
    command = ["git", "-C", str(repo), "-c", "user.name=lab", "-c", "user.email=lab@invalid"]
    command += ["-c", "commit.gpgsign=false", *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def git_checkout(root: Path) -> Path:
    """A checkout whose apps/mine was v1, then v2, and is v3 uncommitted; apps/new came
    in the second commit, without a lock."""
    source = app_folder(root / "apps" / "mine")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "v1")
    (source / "app.py").write_text("app = 'v2'\n")
    app_folder(root / "apps" / "new", lock=False)
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "v2 and a new app without a lock")
    (source / "app.py").write_text("app = 'v3'\n")
    return root
