"""Versions as apps: each --apps entry `X@SPEC` made into an app folder under .lab/versions/.

The entry is read and named in lab.model.versions; here its folder is made, on the host.
A pin copies X's folder with the pin in requirements.in and re-resolves its lock with uv for
the image's Python, X's own lock being uv's preference, so that the pinned package (and what
it forces to change) is all that differs. A revision takes the folder's files as committed
there (`git archive`), its lock too, or resolves one when it had none. Either way the folder
gets a manifest saying where it comes from, and the catalog names its apps `<app>@<spec>`:
from then on it is a folder like a user's own, built by X's Dockerfile (images.specs).

A new run derives a pin's folder afresh, since X's files may have changed since, but keeps
its lock while what the lock was made from is unchanged; a revision's folder, its commit
fixed, is made once. A run read back (--resume, rerun) takes its folders as they are and
derives only those that are gone.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import tarfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from lab.errors import UsageError
from lab.images import host
from lab.images.locks import LockError, locked_versions
from lab.images.specs import IMAGE_PYTHON_EXACT, sha256_hex
from lab.model.appfolder import MANIFEST, AppFolder, folder_files, parse_manifest, read_folder
from lab.model.catalog import Catalog, builtin_catalog
from lab.model.flagvalues import as_names
from lab.model.scenarios import SCENARIOS
from lab.model.versions import (
    LOCK_COMMITTED,
    LOCK_PINNED,
    LOCK_RESOLVED,
    PIN_EXAMPLE,
    VERSION_MANIFEST,
    AppVersion,
    Derivation,
    VersionEntry,
    as_versions,
    derived_folder_name,
    is_folder,
    parse_derivation,
    parse_entry,
    pin_requirements,
    version_app_name,
)

Say = Callable[[str], None]


def quiet(_line: str) -> None:
    """A Say that says nothing."""


VERSIONS_DIR = "versions"  # under the lab's working folder, .lab/
REQUIREMENTS = "requirements.in"
LOCK = "requirements.lock"


@dataclass(frozen=True, slots=True)
class Resolved:
    """An entry's derived folder, what a run records of it, and the apps it stands for."""

    version: AppVersion
    apps: tuple[str, ...]
    folder: AppFolder


def resolve_entries(
    entries: Sequence[str], workdir: Path, say: Say, folders: Sequence[str] = ()
) -> tuple[tuple[str, ...], tuple[AppVersion, ...]]:
    """An --apps list with each version derived: its apps' names in its place, and the
    versions a RunConfig records (one per derived folder). Other entries stay as given.

    X may be an app of the lab, of a folder in `folders` or of a folder in the list.
    """
    plain = [*folders, *(str(Path(e).expanduser().resolve()) for e in entries if _plain_folder(e))]
    catalog = builtin_catalog().with_folders(Path(folder) for folder in dict.fromkeys(plain))
    names: list[str] = []
    versions: dict[str, AppVersion] = {}
    for entry in entries:
        if parse_entry(entry) is None:
            names.append(entry)
            continue
        resolved = resolve_version(entry, catalog, workdir, say)
        names += resolved.apps
        versions.setdefault(resolved.version.folder, resolved.version)
    return tuple(names), tuple(versions.values())


def restore_parameters(
    parameters: Mapping[str, object], workdir: Path, say: Say
) -> dict[str, object]:
    """A recorded run's parameters with each version's folder found again, or derived
    again where it is gone (a revision at its recorded commit), before the run is read."""
    versions = as_versions("--apps", parameters.get("versions", ()))
    if not versions:
        return dict(parameters)
    catalog = builtin_catalog().with_folders(
        Path(folder) for folder in as_names("--apps", parameters.get("app_folders", ()))
    )
    restored = tuple(
        resolve_version(v.entry, catalog, workdir, say, commit=v.commit, reuse=True).version
        for v in versions
    )
    return {**parameters, "versions": [version.to_dict() for version in restored]}


def resolve_version(
    text: str,
    catalog: Catalog,
    workdir: Path,
    say: Say,
    *,
    commit: str | None = None,
    reuse: bool = False,
) -> Resolved:
    """The folder an entry `X@SPEC` derives, made under `workdir`/versions/ if need be.

    `commit` fixes a revision to what it was (a run read back); `reuse` takes a pin's
    folder as it is when there is one. What `lab gate` and `lab bisect` build on too.
    """
    entry = parse_entry(text)
    if entry is None:
        raise UsageError(f"--apps {text}: not an app at another version", f"e.g. {PIN_EXAMPLE}")
    name, source, wanted = _source(entry, catalog)
    canonical = VersionEntry(str(source) if is_folder(entry.base) else entry.base, entry.spec)
    if entry.is_pin:
        made = _pinned(entry, canonical.text, name, source, workdir, say, reuse)
    else:
        made = _revision(entry, canonical.text, name, source, workdir, say, commit)
    folder = read_folder(made, SCENARIOS, external=True)
    assert folder.derivation is not None  # it was just written
    have = [app.name for app in folder.apps]
    apps = tuple(have) if wanted is None else (version_app_name(wanted, entry.spec),)
    if not set(apps) <= set(have):
        raise UsageError(
            f"--apps {text}: {name} at {entry.spec} has no app {wanted!r}",
            f"its app.toml there names: {', '.join(have)}",
        )
    version = AppVersion(canonical.text, str(made), folder.derivation.commit)
    return Resolved(version, apps, folder)


def _plain_folder(entry: str) -> bool:
    return parse_entry(entry) is None and is_folder(entry)


def _source(entry: VersionEntry, catalog: Catalog) -> tuple[str, Path, str | None]:
    """The source folder's name and path, and the one app asked for (None: all of it)."""
    if is_folder(entry.base):
        path = Path(entry.base).expanduser().resolve()
        if not path.is_dir():
            raise UsageError(
                f"--apps {entry.text}: no folder {path}", "give the path of an app folder"
            )
        wanted = None
    else:
        app = catalog.apps.get(entry.base)
        if app is None:
            known = ", ".join(catalog.apps)
            raise UsageError(
                f"--apps {entry.text}: unknown app {entry.base!r} (known: {known})",
                f"name an app of `python -m lab apps` or a folder before the @, e.g. {PIN_EXAMPLE}",
            )
        path, wanted = catalog.folder(app.image).path, app.name
    if (path / VERSION_MANIFEST).is_file():
        raise UsageError(
            f"--apps {entry.text}: {path} is itself a version the lab derived",
            "give the folder it was derived from",
        )
    return path.name, path, wanted


def _pinned(
    entry: VersionEntry,
    canonical: str,
    name: str,
    source: Path,
    workdir: Path,
    say: Say,
    reuse: bool,
) -> Path:
    requirements = source / REQUIREMENTS
    if not requirements.is_file():
        raise UsageError(
            f"--apps {entry.text}: {source} has no {REQUIREMENTS}",
            f"a pin changes one of the folder's requirements: list them in {requirements}",
        )
    text = pin_requirements(requirements.read_text(), entry, str(requirements))
    base_lock = (source / LOCK).read_bytes() if (source / LOCK).is_file() else None
    # The lock is kept while neither the pinned requirements nor the preferred lock change.
    inputs = sha256_hex(text.encode() + b"\0" + (base_lock or b""))
    final = _folder(workdir, name, entry.spec, f"{source}\n{entry.spec}")
    old = _derived(final)
    if reuse and old is not None:
        return final
    with _making(final) as partial:
        for relative in folder_files(source):
            if relative not in (REQUIREMENTS, LOCK):
                (partial / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(source / relative, partial / relative)
        (partial / REQUIREMENTS).write_text(text)
        lock = partial / LOCK
        if old is not None and old.lock_inputs_sha256 == inputs:
            shutil.copyfile(final / LOCK, lock)
        else:
            if base_lock is not None:
                lock.write_bytes(base_lock)  # uv keeps these versions where it can
            say(
                f"{entry.text}: locking {requirements} with the pin for Python {IMAGE_PYTHON_EXACT}"
            )
            host.compile_lock(
                partial / REQUIREMENTS, lock, IMAGE_PYTHON_EXACT, f"locking {entry.text}"
            )
        _write_manifest(
            partial,
            entry,
            Derivation(
                entry=canonical,
                base=name,
                spec=entry.spec,
                source=str(source),
                commit=None,
                lock=LOCK_PINNED,
                lock_inputs_sha256=inputs,
                base_lock_sha256=sha256_hex(base_lock) if base_lock is not None else None,
                locked="",
            ),
            f"{source / MANIFEST}",
        )
    return final


def _revision(
    entry: VersionEntry,
    canonical: str,
    name: str,
    source: Path,
    workdir: Path,
    say: Say,
    commit: str | None,
) -> Path:
    top = host.git(source, "rev-parse", "--show-toplevel")
    prefix = host.git(source, "rev-parse", "--show-prefix")
    if top is None or prefix is None:
        raise UsageError(
            f"--apps {entry.text}: {source} is not in a git work tree",
            "a revision needs the folder in a git checkout; without @ the lab takes the"
            " folder as it is",
        )
    sha = _commit(entry, source, commit or entry.spec)
    final = _folder(workdir, name, entry.spec, f"{source}\n{sha}")
    old = _derived(final)
    if old is not None and old.commit == sha:
        return final  # a commit's files never change
    # From the top: in a subfolder, git archive takes only what is below the subfolder.
    at_top = Path(top.decode().strip())
    tree = host.git(at_top, "archive", "--format=tar", f"{sha}:{prefix.decode().strip()}")
    if tree is None:
        raise UsageError(
            f"--apps {entry.text}: {source} is not in {entry.spec} ({sha[:12]})",
            "give a revision that has the folder",
        )
    at = f"{source} at {entry.spec}"
    with _making(final) as partial:
        with tarfile.open(fileobj=io.BytesIO(tree)) as archive:
            archive.extractall(partial, filter="data")
        (partial / VERSION_MANIFEST).unlink(missing_ok=True)
        if not (partial / MANIFEST).is_file():
            raise UsageError(
                f"--apps {entry.text}: {at} ({sha[:12]}) has no {MANIFEST}",
                "give a revision where the folder is an app folder",
            )
        requirements = partial / REQUIREMENTS
        if (partial / LOCK).is_file():
            how = LOCK_COMMITTED
        elif requirements.is_file():
            how = LOCK_RESOLVED
            say(f"{entry.text}: locking {at}'s {REQUIREMENTS} for Python {IMAGE_PYTHON_EXACT}")
            host.compile_lock(
                requirements, partial / LOCK, IMAGE_PYTHON_EXACT, f"locking {entry.text}"
            )
        else:
            raise UsageError(
                f"--apps {entry.text}: {at} has neither {LOCK} nor {REQUIREMENTS}",
                "give a revision whose folder lists its packages",
            )
        inputs = requirements.read_bytes() if requirements.is_file() else b""
        _write_manifest(
            partial,
            entry,
            Derivation(
                entry=canonical,
                base=name,
                spec=entry.spec,
                source=str(source),
                commit=sha,
                lock=how,
                lock_inputs_sha256=sha256_hex(inputs),
                base_lock_sha256=None,
                locked="",
            ),
            f"{at}: {MANIFEST}",
        )
    return final


def _commit(entry: VersionEntry, source: Path, revision: str) -> str:
    found = host.git(
        source, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}"
    )
    if found is None:
        raise UsageError(
            f"--apps {entry.text}: no revision {revision!r} in the git checkout of {source}",
            "give a branch, tag or commit it has (`git log` lists them)",
        )
    return found.decode().strip()


def _folder(workdir: Path, name: str, spec: str, key: str) -> Path:
    return workdir / VERSIONS_DIR / derived_folder_name(name, spec, key)


def _derived(folder: Path) -> Derivation | None:
    """The manifest of a whole derived folder already there; None if there is none."""
    manifest = folder / VERSION_MANIFEST
    if not (manifest.is_file() and (folder / LOCK).is_file() and (folder / MANIFEST).is_file()):
        return None
    try:
        return parse_derivation(manifest.read_text(), str(manifest))
    except UsageError:
        return None  # damaged: derived again


def _write_manifest(partial: Path, entry: VersionEntry, derivation: Derivation, where: str) -> None:
    """The manifest, with the locked versions of the framework, servers and a pin."""
    _, framework, apps = parse_manifest(
        derivation.base, (partial / MANIFEST).read_text(), SCENARIOS, where
    )
    packages = [framework, *sorted({app.server.name for app in apps} - {framework})]
    packages += [entry.package] if entry.is_pin and entry.package not in packages else []
    try:
        locked = locked_versions(tuple(packages), (partial / LOCK).read_text())
    except LockError as exc:
        raise UsageError(
            f"--apps {entry.text}: its lock is not usable: {exc}",
            "give a revision whose requirements.lock is hash-locked (`make lock` writes one)",
        ) from exc
    (partial / VERSION_MANIFEST).write_text(replace(derivation, locked=locked).to_toml())


@contextlib.contextmanager
def _making(final: Path) -> Iterator[Path]:
    """A folder made whole apart, then put in `final`'s place: a failure leaves no half."""
    partial = final.with_name(f"{final.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        yield partial
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    shutil.rmtree(final, ignore_errors=True)
    partial.rename(final)
