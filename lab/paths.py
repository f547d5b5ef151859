"""Where the lab's checkout and its working folder are: the one place that knows."""

from __future__ import annotations

from pathlib import Path

# The checkout: Dockerfiles, apps/, images/ and requirements/ sit beside the lab package.
ROOT = Path(__file__).resolve().parent.parent
# Downloaded wheels, the debootstrap root, dockerd's log: never committed, never in a context.
WORKDIR = ROOT / ".lab"
