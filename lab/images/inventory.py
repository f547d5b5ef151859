"""What the engine holds of the lab's: images with their provenance labels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lab.images.labels import BASE_ID, IMAGE_NAME, INPUTS_HASH, LOCK_HASH, MANAGED_FILTER


@dataclass(frozen=True, slots=True)
class ImageRecord:
    name: str
    tags: tuple[str, ...]
    image_id: str
    created: str
    size_mb: float
    labels: dict[str, str]

    @property
    def inputs_hash(self) -> str:
        return self.labels.get(INPUTS_HASH, "")

    @property
    def lock_hash(self) -> str:
        return self.labels.get(LOCK_HASH, "")

    @property
    def base_id(self) -> str:
        return self.labels.get(BASE_ID, "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "tags": list(self.tags),
            "id": self.image_id,
            "created": self.created,
            "size_mb": self.size_mb,
            "labels": dict(self.labels),
        }


def lab_images(client: Any) -> list[ImageRecord]:
    records = []
    for image in client.images.list(filters={"label": MANAGED_FILTER}):
        labels = dict(image.labels or {})
        records.append(
            ImageRecord(
                name=labels.get(IMAGE_NAME, "?"),
                tags=tuple(image.tags),
                image_id=image.id,
                created=str(image.attrs.get("Created", ""))[:19],
                size_mb=round(image.attrs.get("Size", 0) / 1e6, 1),
                labels=labels,
            )
        )
    return sorted(records, key=lambda r: (r.name, r.created))
