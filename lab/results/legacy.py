"""Records that earlier versions of the lab wrote and this one treats apart."""

from __future__ import annotations

from lab.results.records import TrialRecord

# How the engine client names a request that got no answer (requests' exception names).
# Before the lab told its own faults from the app's, a trial that lost the engine was
# recorded as failed, its reason starting with one of these; `--resume` runs it again.
LOST_ENGINE_KINDS = (
    "ConnectionError",
    "ConnectTimeout",
    "ReadTimeout",
    "Timeout",
    "ChunkedEncodingError",
    "RequestException",
)


def lost_engine_record(record: TrialRecord) -> bool:
    """Whether `record` is a failure that was the engine's, not the app's (see above)."""
    reason = record.reason or ""
    return record.status == "failed" and any(
        reason.startswith(f"{kind}: ") for kind in LOST_ENGINE_KINDS
    )
