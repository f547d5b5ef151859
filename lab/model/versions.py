"""An app at another version, run beside itself: `--apps aio,aio@aiohttp==3.9.5`.

An --apps entry `X@SPEC` names an app of the catalog or an app folder (X) at a pinned
requirement (SPEC is `package==version`) or at a git revision (any other SPEC). The lab
derives an app folder from X's (lab.images.versions does: the files with the pin in
requirements.in and a lock re-resolved for it, or the files as committed at the revision)
and names its apps `<app>@<spec>`. This module is the pure side: reading an entry, naming
the derived folder and its apps, rewriting requirements.in, the derived folder's manifest
(`lab-version.toml`: where it comes from), and what run.json records of each.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lab.errors import UsageError

# A derived folder's own manifest. Not an input of its image: it holds the source's
# absolute path, which differs between checkouts of the same files (see folder_files).
VERSION_MANIFEST = "lab-version.toml"
# A spec holding one of these asks for a requirement, never a git revision.
_REQUIREMENT_MARKS = re.compile(r"[=<>]")
_PIN = re.compile(
    r"^(?P<package>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)==(?P<version>[A-Za-z0-9][A-Za-z0-9.+!_-]*)$"
)
# What git's revision syntax may hold here: no blanks, and no `:` (a path inside a
# commit, never a commit; the A/A variants also end in `:a`).
_REVISION = re.compile(r"^[^\s:,-][^\s:,]*$")
_REQUIREMENT_LINE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?")
PIN_EXAMPLE = "aio@aiohttp==3.9.5"
REVISION_EXAMPLE = "./myapp@main"


def normalize(name: str) -> str:
    """PEP 503 name normalisation: `Zope.Interface` and `zope-interface` are one project."""
    return re.sub(r"[-_.]+", "-", name).lower()


def is_folder(entry: str) -> bool:
    """An --apps entry that names a folder (./mine, ../x, /abs, a/b) rather than an app.

    Only the part before a version's `@` counts: a revision may hold a `/` (origin/main).
    """
    base = entry.split("@", 1)[0]
    return "/" in base or base in (".", "..")


@dataclass(frozen=True, slots=True)
class VersionEntry:
    """`X@SPEC` as typed: X an app name or a folder path, SPEC a pin or a revision."""

    base: str
    spec: str

    @property
    def text(self) -> str:
        return f"{self.base}@{self.spec}"

    @property
    def is_pin(self) -> bool:
        return _PIN.match(self.spec) is not None

    @property
    def package(self) -> str:
        """The pinned package (a pin only)."""
        return self._pin("package")

    @property
    def version(self) -> str:
        """The pinned version (a pin only)."""
        return self._pin("version")

    def _pin(self, group: str) -> str:
        match = _PIN.match(self.spec)
        if match is None:
            raise ValueError(f"{self.text} is not a pin")
        return match.group(group)


def parse_entry(text: str, flag: str = "--apps") -> VersionEntry | None:
    """The version an --apps entry asks for; None for a plain app or folder (no `@`).

    The first `@` splits: an app name never holds one, a revision may (`main@{1}`).
    """
    if "@" not in text:
        return None
    base, spec = (part.strip() for part in text.split("@", 1))
    if not base or base == "all" or not spec:
        raise UsageError(
            f"{flag} {text}: a version is one app or folder, an @, and a pin or a revision",
            f"e.g. {PIN_EXAMPLE} or {REVISION_EXAMPLE}",
        )
    entry = VersionEntry(base, spec)
    if _REQUIREMENT_MARKS.search(spec):
        if not entry.is_pin or "*" in spec:
            raise UsageError(
                f"{flag} {text}: {spec!r} is not a pin of one version",
                f"give package==version, e.g. {PIN_EXAMPLE}",
            )
    elif not _REVISION.match(spec) or ".." in spec:
        raise UsageError(
            f"{flag} {text}: {spec!r} is not a revision the lab can name",
            f"give one branch, tag or commit, e.g. {REVISION_EXAMPLE} or ./myapp@HEAD~1",
        )
    return entry


def version_app_name(app: str, spec: str) -> str:
    """The name a run, its records and its report give an app at another version."""
    return f"{app}@{spec}"


def derived_folder_name(base: str, spec: str, key: str) -> str:
    """The derived folder's name, which is also its image's (`lab/<name>`).

    It must be an app folder name and a Docker repository component, so the spec is
    folded to lower-case letters, digits and single underscores; the digest of `key`
    (the source's path and the spec or commit) tells apart specs that fold alike.
    """
    slug = re.sub(r"[^a-z0-9]+", "_", spec.lower()).strip("_")[:32].strip("_") or "version"
    digest = hashlib.sha256(key.encode()).hexdigest()[:8]
    return f"{base.rstrip('_')}__{slug}_{digest}"


def pin_requirements(text: str, entry: VersionEntry, where: str) -> str:
    """`requirements.in`'s text with every requirement of the pinned package pinned.

    Extras and environment markers stay; a package the folder does not require is
    refused, since the pin would then add a package rather than change one.
    """
    lines: list[str] = []
    required: list[str] = []
    for line in text.splitlines():
        body = line.split("#", 1)[0]
        match = _REQUIREMENT_LINE.match(body)
        if match is None or body.lstrip().startswith("-"):
            lines.append(line)
            continue
        required.append(match.group(1))
        if normalize(match.group(1)) != normalize(entry.package):
            lines.append(line)
            continue
        marker = body.partition(";")[2].strip()
        pinned = f"{match.group(1)}{match.group(2) or ''}=={entry.version}"
        pinned += f" ; {marker}" if marker else ""
        # The same words for every entry of this pin: the file is an input of the image.
        lines.append(f"{pinned}  # pinned by the lab (was: {body.strip()})")
    if not any(normalize(name) == normalize(entry.package) for name in required):
        raise UsageError(
            f"--apps {entry.text}: {entry.package} is not a requirement of {where}",
            f"pin one of {', '.join(required) or 'its requirements'}, or add {entry.package}"
            f" to {where}",
        )
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class Derivation:
    """Where a derived folder comes from: its manifest, and run.json's record of it."""

    entry: str  # the --apps entry, a folder's path made absolute
    base: str  # the folder derived from: its apps' names, its place in the build context
    spec: str
    source: str  # that folder's absolute path
    commit: str | None  # a revision's commit; None for a pin
    lock: str  # how the lock was made (LOCK_* below)
    lock_inputs_sha256: str  # what it was made from: requirements.in and any lock preferred
    base_lock_sha256: str | None  # the source's own lock then, the one a pin started from
    locked: str  # locked versions of the framework, the servers and a pinned package

    def to_dict(self) -> dict[str, str | None]:
        return {key: getattr(self, key) for key in _DERIVATION_KEYS}

    def to_toml(self) -> str:
        lines = [
            "# Written by the lab: this folder is an app folder at another version"
            " (docs/apps.md, 'Versions as apps'). Edit the source folder, not this one."
        ]
        # TOML's basic strings take JSON's escapes; a missing commit is left out.
        lines += [f"{k} = {json.dumps(v)}" for k, v in self.to_dict().items() if v is not None]
        return "\n".join(lines) + "\n"


# How a derived folder's lock was made.
LOCK_PINNED = "re-resolved with the pin, preferring the source's locked versions"
LOCK_COMMITTED = "as committed at the revision"
LOCK_RESOLVED = "resolved from requirements.in (the revision has no lock)"

_DERIVATION_KEYS = tuple(Derivation.__dataclass_fields__)
_OPTIONAL_KEYS = frozenset({"commit", "base_lock_sha256"})


def parse_derivation(text: str, where: str) -> Derivation:
    """A derived folder's manifest; anything else is refused as damaged."""
    hint = "delete the folder: the lab derives it again from its source"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{where}: not valid TOML: {exc}", hint) from exc
    unknown = sorted(set(data) - set(_DERIVATION_KEYS))
    missing = sorted(set(_DERIVATION_KEYS) - set(data) - _OPTIONAL_KEYS)
    wrong = sorted(key for key, value in data.items() if not isinstance(value, str))
    if unknown or missing or wrong:
        problem = (
            f"unknown key {unknown[0]!r}"
            if unknown
            else f"no {missing[0]}"
            if missing
            else f"{wrong[0]} is not text"
        )
        raise UsageError(f"{where}: {problem}", hint)
    commit, base_lock = data.get("commit"), data.get("base_lock_sha256")
    return Derivation(
        entry=data["entry"],
        base=data["base"],
        spec=data["spec"],
        source=data["source"],
        commit=commit,
        lock=data["lock"],
        lock_inputs_sha256=data["lock_inputs_sha256"],
        base_lock_sha256=base_lock,
        locked=data["locked"],
    )


@dataclass(frozen=True, slots=True)
class AppVersion:
    """What run.json records of an app at another version, enough to derive it again.

    `entry` as canonical text (a folder's path absolute), `folder` the derived folder,
    `commit` the revision's commit when it was resolved (so a resume takes the same one).
    """

    entry: str
    folder: str
    commit: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"entry": self.entry, "folder": self.folder, "commit": self.commit}


def as_versions(flag: str, value: object) -> tuple[AppVersion, ...]:
    """RunConfig.versions from its typed form or run.json's list of objects."""
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise UsageError(f"{flag}: versions {value!r} are not a list", "the file is damaged")
    versions = []
    for item in value:
        if isinstance(item, AppVersion):
            versions.append(item)
            continue
        if not isinstance(item, Mapping) or not all(
            isinstance(item.get(key), str) for key in ("entry", "folder")
        ):
            raise UsageError(
                f"{flag}: version {item!r} is not recorded whole", "the file is damaged"
            )
        commit = item.get("commit")
        versions.append(AppVersion(item["entry"], item["folder"], commit if commit else None))
    return tuple(versions)


def record_versions(versions: tuple[AppVersion, ...]) -> list[dict[str, str | None]]:
    return [version.to_dict() for version in versions]
