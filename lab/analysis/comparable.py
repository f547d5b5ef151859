"""What a run was made on, as labelled facts, and which of them make a cell's figure
another measurement.

`run_facts` is the set-up `lab compare` lists when two runs differ (images, host, engine,
placement, parameters). `cell_facts` is the part of it under which a cell's req/s of
two runs measure the same thing: the host's CPUs, the placement and limits of every
role, the app's image (its tag is the hash of its inputs) and server command, and the
parameters that change what a trial measures. The other facts (the engine's version, the
kernel, the lab's own commit, the load image) may move a figure too, but that is what a
history looks for: a step among comparable runs, with whatever else changed beside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from lab.model.cpurequest import CPU_ROLES
from lab.results.comparisondoc import Difference
from lab.results.reader import RunData, as_object

# Parameters that change what one trial of a cell measures; the others (which apps,
# how many rounds, the seed, where the results go) do not.
MEASURING_PARAMETERS = (
    "duration_s",
    "warmup_s",
    "threads",
    "workers",
    "cpus",
    "access_log",
    "timeout_s",
    "app_env",
    "network_path",
    "engines",
)


def run_facts(run: RunData) -> dict[str, Any]:
    """The set-up of a run that can change its numbers, flattened to labelled values."""
    prov = run.provenance
    lab, engine, host = (as_object(prov.get(key)) for key in ("lab", "engine", "host"))
    git = as_object(lab.get("git"))
    facts: dict[str, Any] = {}
    for name, image in as_object(prov.get("images")).items():
        facts[f"image {name} ID"] = as_object(image).get("id")
        facts[f"image {name} tag"] = as_object(image).get("tag")
    facts["base image ID"] = as_object(prov.get("base_image")).get("id")
    facts["host CPU model"] = host.get("cpu_model")
    facts["host CPUs"] = host.get("cpus")
    facts["engine CPUs"] = engine.get("cpus")
    placement, applied = as_object(run.run.placement), as_object(run.run.applied)
    for role in CPU_ROLES:
        wanted = as_object(placement.get(role))
        facts[f"placement {role} cpuset"] = wanted.get("cpuset")
        facts[f"placement {role} CPUs"] = wanted.get("cpus")
        facts[f"applied {role} limits"] = applied.get(role)
    facts["engine version"] = engine.get("version")
    facts["engine kernel"] = engine.get("kernel")
    facts["host kernel"] = host.get("kernel")
    facts["engine cgroup"] = f"v{engine.get('cgroup_version')} {engine.get('cgroup_driver')}"
    facts["lab version"] = lab.get("version")
    facts["lab git sha"] = git.get("sha")
    facts["lab git dirty"] = git.get("dirty")
    for key, value in run.parameters.items():
        if key != "out":
            facts[f"parameter {key}"] = value
    effective = as_object(run.run.effective)
    for key in ("threads", "workers", "connections"):
        facts[f"effective {key}"] = effective.get(key)
    for name, app in as_object(effective.get("apps")).items():
        facts[f"app {name} command"] = as_object(app).get("command")
    return facts


# The images that measure an app, as opposed to the app's own: the load generator, Redis
# and the base every image is built on.
APPARATUS_IMAGES = ("wrk", "redis")


def cell_facts(run: RunData, app: str) -> dict[str, Any]:
    """The facts of `run_facts` under which two runs' figures of `app` are one measurement:
    the apparatus (host, placement, limits, load and Redis images, base image, measuring
    parameters). The app's own image and command are not among them: a history watches
    the app change, and a change of its code or lock is what a step should show (the step
    names it among what else changed)."""
    del app  # every app of a run is measured by the same apparatus
    facts = run_facts(run)
    keys = [
        "host CPU model",
        "host CPUs",
        "engine CPUs",
        *(f"placement {role} {what}" for role in CPU_ROLES for what in ("cpuset", "CPUs")),
        *(f"applied {role} limits" for role in CPU_ROLES),
        *(f"image {name} tag" for name in APPARATUS_IMAGES),
        "base image ID",
        *(f"parameter {key}" for key in MEASURING_PARAMETERS),
        "effective threads",
        "effective workers",
    ]
    return {key: facts.get(key) for key in keys}


def image_of(run: RunData, app: str) -> str:
    """The image `app` ran from: the run says so since variants share an image; an older run
    did not, and then each app had an image of its own name."""
    apps = as_object(as_object(run.run.effective).get("apps"))
    image = as_object(apps.get(app)).get("image")
    return image if isinstance(image, str) else app


def differences(
    facts_a: Mapping[str, Any], facts_b: Mapping[str, Any], keys: Iterable[str] | None = None
) -> list[Difference]:
    """The facts that differ between A and B, in the order they were gathered."""
    every = keys if keys is not None else dict.fromkeys([*facts_a, *facts_b])
    return [
        Difference(key, facts_a.get(key), facts_b.get(key))
        for key in every
        if facts_a.get(key) != facts_b.get(key)
    ]


def conflicts(known: Mapping[str, Any], facts: Mapping[str, Any]) -> list[Difference]:
    """The facts both sides recorded, with different values.

    A fact one side did not record (a run made before the lab wrote it) is no conflict:
    old runs stay in the series of the runs they were made like, as far as they say.
    """
    return [
        Difference(key, known[key], facts[key])
        for key in known
        if key in facts
        and known[key] is not None
        and facts[key] is not None
        and known[key] != facts[key]
    ]
