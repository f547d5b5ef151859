"""Build contexts as deterministic tar archives.

The lab sends Docker exactly the files an image declares (and its wheels), with
fixed owners and times, so that the same inputs give the same layers and nothing
else in the working tree (.venv, results) leaks into a build.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Mapping


def tar_context(files: Mapping[str, bytes]) -> bytes:
    """An uncompressed tar of `files` (archive path → bytes), sorted, owned by root, mtime 0."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(files):
            data = files[name]
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
