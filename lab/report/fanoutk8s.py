"""A plan's shards as a Kubernetes Indexed Job, and the Job that merges them (docs/fanout.md).

Each shard pod drives the Docker engine of its node through the host's socket: the lab's
containers are the engine's, pinned by the lab to the node's highest CPUs. The pod asks for
every CPU but the kubelet's reserved one, as requests equal to limits (Guaranteed QoS), so
the CPU manager's static policy gives it those CPUs exclusively and no other pod runs there.
"""

from __future__ import annotations

import math

from lab.model.fanout import RESERVED_CPUS, SHARD_FOLDER, Fanout
from lab.report.fanoutyaml import yaml_file

NAME = "lab"
SHARD_JOB = "lab-shards"
MERGE_JOB = "lab-merge"
VOLUME_CLAIM = "lab-results"
# Nodes that run shards: labelled (and best tainted) by the cluster's owner.
NODE_LABEL = "lab-bench"
RESULTS = "/lab-results"
CHECKOUT = "/lab"  # the lab's checkout in the controller image, its .venv made
BUNDLE = "lab-images.tar"  # `lab bundle save` in the checkout before the image is built
DOCKER_SOCKET = "/var/run/docker.sock"
# The controller's own process: small, and equal in request and limit for Guaranteed QoS.
CONTROLLER_MEMORY = "1Gi"
SHARD_INDEX = "$((JOB_COMPLETION_INDEX + 1))"


def shard_script(fanout: Fanout) -> str:
    """The shard container's shell: load the images into the node's engine, then run the
    shard, `exec`ed so that Kubernetes' SIGTERM reaches the lab and it cleans up."""
    out = f"{RESULTS}/{SHARD_FOLDER.format(shard=SHARD_INDEX)}"
    run = fanout.run_command(SHARD_INDEX, out, python=f"{CHECKOUT}/.venv/bin/python")
    return f"{CHECKOUT}/.venv/bin/python -m lab bundle load {BUNDLE} && exec {run}"


def merge_script(fanout: Fanout) -> str:
    return fanout.merge_command(RESULTS, f"{RESULTS}/merged", python=f"{CHECKOUT}/.venv/bin/python")


def _labels(component: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": NAME, "app.kubernetes.io/component": component}


def _resources(cpus: int, memory: str) -> dict[str, object]:
    amount = {"cpu": str(cpus), "memory": memory}
    return {"requests": amount, "limits": dict(amount)}


def _results_volume() -> dict[str, object]:
    return {"name": "results", "persistentVolumeClaim": {"claimName": VOLUME_CLAIM}}


def volume_claim() -> dict[str, object]:
    """One volume every shard writes to and the merge reads: ReadWriteMany (NFS, CephFS)."""
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": VOLUME_CLAIM, "labels": _labels("results")},
        "spec": {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "5Gi"}}},
    }


def shard_job(fanout: Fanout, image: str) -> dict[str, object]:
    labels = _labels("shard")
    container = {
        "name": "shard",
        "image": image,
        "workingDir": CHECKOUT,
        "command": ["sh", "-c", shard_script(fanout)],
        "resources": _resources(fanout.pod_cpus, CONTROLLER_MEMORY),
        "volumeMounts": [
            {"name": "docker", "mountPath": DOCKER_SOCKET},
            {"name": "results", "mountPath": RESULTS},
        ],
    }
    pod = {
        "restartPolicy": "Never",
        "nodeSelector": {NODE_LABEL: "true"},
        "tolerations": [{"key": NODE_LABEL, "operator": "Exists", "effect": "NoSchedule"}],
        # One shard a node: two would share its CPUs and its engine.
        "affinity": {
            "podAntiAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": [
                    {
                        "labelSelector": {"matchLabels": labels},
                        "topologyKey": "kubernetes.io/hostname",
                    }
                ]
            }
        },
        "containers": [container],
        "volumes": [
            {"name": "docker", "hostPath": {"path": DOCKER_SOCKET, "type": "Socket"}},
            _results_volume(),
        ],
    }
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": SHARD_JOB, "labels": labels},
        "spec": {
            "completionMode": "Indexed",
            "completions": fanout.shards,
            "parallelism": fanout.shards,
            # A failed shard is not retried: its rounds are named missing by the merge,
            # and a rerun of that index (or of the Job) completes them.
            "backoffLimit": 0,
            "template": {"metadata": {"labels": labels}, "spec": pod},
        },
    }


def merge_job(fanout: Fanout, image: str) -> dict[str, object]:
    container = {
        "name": "merge",
        "image": image,
        "workingDir": CHECKOUT,
        "command": ["sh", "-c", merge_script(fanout)],
        "volumeMounts": [{"name": "results", "mountPath": RESULTS}],
    }
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": MERGE_JOB, "labels": _labels("merge")},
        "spec": {
            "backoffLimit": 0,
            "template": {
                "metadata": {"labels": _labels("merge")},
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [container],
                    "volumes": [_results_volume()],
                },
            },
        },
    }


def kubernetes_files(fanout: Fanout, image: str) -> dict[str, str]:
    """The files by path: the shards (volume and Indexed Job), then the merge."""
    reserved = ",".join(map(str, RESERVED_CPUS))
    wait_minutes = math.ceil(2 * fanout.shard_seconds / 60) + 10  # twice the estimate
    shards = fanout.header(
        f"Nodes labelled and tainted {NODE_LABEL}=true, {fanout.node_cpus} CPUs each, their"
        f" kubelet run with --cpu-manager-policy=static --reserved-cpus={reserved}, and a"
        f" Docker engine at {DOCKER_SOCKET}; the controller image {image} holds the checkout"
        f" at {CHECKOUT} and {BUNDLE}. Then:\n"
        f"#   kubectl apply -f kubernetes/shards.yaml\n"
        f"#   kubectl wait --for=condition=complete job/{SHARD_JOB} --timeout={wait_minutes}m\n"
        f"#   kubectl apply -f kubernetes/merge.yaml"
    )
    merge = fanout.header(
        f"Apply once job/{SHARD_JOB} is complete (or failed: the merge names the missing"
        f" rounds); the merged run folder is {RESULTS}/merged/ on the volume {VOLUME_CLAIM}."
    )
    return {
        "kubernetes/shards.yaml": yaml_file(shards, [volume_claim(), shard_job(fanout, image)]),
        "kubernetes/merge.yaml": yaml_file(merge, [merge_job(fanout, image)]),
    }
