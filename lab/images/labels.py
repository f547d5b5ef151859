"""Labels the lab puts on everything it creates, so that it can find and remove it.

Cleanup goes by label, never by a substring of a name.
"""

from __future__ import annotations

MANAGED = "lab.managed"
MANAGED_FILTER = f"{MANAGED}=true"
RUN_ID = "lab.run-id"
ROLE = "lab.role"
IMAGE_NAME = "lab.image"
INPUTS_HASH = "lab.inputs-hash"
LOCK_HASH = "lab.lock-hash"
BASE_ID = "lab.base-id"
LAB_VERSION = "lab.version"
# The framework's and servers' locked versions, e.g. "fastapi==0.1, uvicorn==0.2".
VERSIONS = "lab.versions"
# How the base image was made (lab.images.base), shown in `lab images` and in reports.
BASE_SOURCE = "lab.base.source"
BASE_SUITE = "lab.base.suite"
BASE_ORIGIN = "lab.base.origin"
BASE_CREATED = "lab.base.created"


def managed(**extra: str) -> dict[str, str]:
    """The labels of a lab-created object; keyword names use `_` for `-`."""
    labels = {MANAGED: "true"}
    labels.update({f"lab.{key.replace('_', '-')}": value for key, value in extra.items()})
    return labels
