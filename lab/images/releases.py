"""The releases of a package: from the package index, or from a folder of distributions.

`lab bisect` searches between two versions of a package; it asks here which versions
exist. The index is asked through its JSON API (PyPI's `/pypi/<name>/json`: releases with
their files, yanked ones marked), the structured answer rather than a listing page. A
folder given with --find-links (wheels and sdists, as pip and uv read one) is listed by its
file names, which the wheel and sdist specifications make structured. Host side: this
module reaches the network.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path

from lab.errors import BuildFailed
from lab.model.versions import normalize

PYPI_JSON = "https://pypi.org/pypi/{name}/json"
TIMEOUT_S = 30.0
# name-version(-build)?-python-abi-platform.whl, and name-version.tar.gz (PEP 427, 625).
_WHEEL = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+)(-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl$")
_SDIST = re.compile(r"^(?P<name>.+)-(?P<version>[^-]+)\.(tar\.gz|zip)$")


def releases(package: str, find_links: Path | None = None) -> tuple[str, ...]:
    """Every version of `package` with a distribution that is not yanked."""
    if find_links is not None:
        return _in_folder(package, find_links)
    return _from_index(package)


def _in_folder(package: str, folder: Path) -> tuple[str, ...]:
    if not folder.is_dir():
        raise BuildFailed(f"--find-links {folder}: not a folder", "give a folder of wheels")
    wanted = normalize(package)
    found = []
    for path in sorted(folder.iterdir()):
        match = _WHEEL.match(path.name) or _SDIST.match(path.name)
        if match and normalize(match["name"]) == wanted:
            found.append(match["version"])
    return tuple(dict.fromkeys(found))


def _from_index(package: str) -> tuple[str, ...]:
    url = PYPI_JSON.format(name=normalize(package))
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as answer:
            data = json.load(answer)
    except urllib.error.HTTPError as exc:
        hint = "check the package's name" if exc.code == 404 else "try again later"
        raise BuildFailed(
            f"the package index has no {package} ({exc.code} at {url})", hint
        ) from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise BuildFailed(
            f"asking the package index for {package}'s releases failed: {exc}",
            "check the host reaches https://pypi.org, or give --find-links DIR",
        ) from exc
    return tuple(
        version
        for version, files in data.get("releases", {}).items()
        if files and not all(file.get("yanked") for file in files)
    )
