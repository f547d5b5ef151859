"""Every file format's schema version and kind, in one place.

A reader refuses a version it does not know, so bumping one of these is a promise to
keep reading the old one (see tests/fixtures/golden/). The comparison printed by
`lab compare --json` carries neither a version nor a kind; it goes to stdout, not a file.
The history `lab history --json` prints does: scripts keep it and read it back.
wrk's own JSON line (`lab.wrk/1`) belongs to the measure layer, which this one sits on.
"""

from __future__ import annotations

from typing import Final

# <run>/run.json
RUN_KIND: Final = "lab.run"
RUN_SCHEMA_VERSION: Final = 1
# <run>/trials/<n>.json
TRIAL_SCHEMA_VERSION: Final = 1
# <run>/summary.json; 2 states each interval's achieved level (1 claimed 95% for all);
# 3 blocks the ratios by round and records the host's drift; 4 gives each cell its cost
# of serving (CPU per request, memory); 5 states a merged run's hosts and their agreement
SUMMARY_SCHEMA_VERSION: Final = 5
SUMMARY_SCHEMA_VERSIONS: Final = (1, 2, 3, 4, 5)
# <run>/ceiling.json
CEILING_SCHEMA_VERSION: Final = 1
# <out>/bisect-*/bisect.json: a bisection's releases and steps (lab bisect)
BISECT_KIND: Final = "lab.bisect"
BISECT_SCHEMA_VERSION: Final = 1
# <run>/gate.json: a gate's verdicts (lab gate, lab run --gate)
GATE_KIND: Final = "lab.gate"
GATE_SCHEMA_VERSION: Final = 1
# `lab history --json`: each cell's figure over a results folder's runs, and its steps
HISTORY_KIND: Final = "lab.history"
HISTORY_SCHEMA_VERSION: Final = 1
# manifest.json inside a `lab bundle save` file
BUNDLE_KIND: Final = "lab.bundle"
BUNDLE_SCHEMA_VERSION: Final = 1


class UnsupportedVersion(ValueError):
    """A file written by another version of the lab, in a format this one does not read."""


# <run>/open/<n>.json: one open-loop sweep and its points; 2 gives each point the host's
# evidence and each role's CPU use over its window (and a refused stall's error)
OPEN_SWEEP_KIND: Final = "lab.open-sweep"
OPEN_SWEEP_SCHEMA_VERSION: Final = 2
OPEN_SWEEP_SCHEMA_VERSIONS: Final = (1, 2)
# <run>/open-ceiling.json: the open-loop generator's own ceiling; 2 gives each step the
# host's evidence over its window (nothing reads the steps back)
OPEN_CEILING_SCHEMA_VERSION: Final = 2
