"""The cluster recipes in docker/cluster/: shell syntax, the Slurm directives, and a KubeRay manifest whose
head schedules only, whose images are the ones docker/ builds, and whose GPU group asks Kubernetes and Ray
for the same GPU."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
RECIPES = REPO / "docker" / "cluster"


@pytest.mark.parametrize("script", ["start-by-hand.sh", "slurm.sbatch"])
def test_scripts_parse(script):
    subprocess.run(["bash", "-n", str(RECIPES / script)], check=True)


def test_start_by_hand_refuses_a_worker_without_the_head_address():
    run = subprocess.run(
        ["bash", str(RECIPES / "start-by-hand.sh"), "worker"], capture_output=True, text=True
    )
    assert run.returncode == 2 and "HEAD_IP" in run.stderr


def test_slurm_script_asks_for_whole_nodes_and_starts_one_worker_per_node():
    text = (RECIPES / "slurm.sbatch").read_text()
    assert "#SBATCH --ntasks-per-node=1" in text and "#SBATCH --nodes=" in text
    assert "--num-cpus=0" in text and '--num-cpus="$SLURM_CPUS_PER_TASK"' in text


def test_kuberay_manifest():
    doc = yaml.safe_load((RECIPES / "raycluster.yaml").read_text())
    assert doc["apiVersion"] == "ray.io/v1" and doc["kind"] == "RayCluster"
    lock = (REPO / "requirements.lock").read_text().splitlines()
    assert f"ray=={doc['spec']['rayVersion']}" in lock  # the cluster runs the Ray the driver pins
    head = doc["spec"]["headGroupSpec"]
    assert head["rayStartParams"]["num-cpus"] == "0"
    groups = {g["groupName"]: g for g in doc["spec"]["workerGroupSpecs"]}
    assert set(groups) == {"cpu", "gpu"}
    images = {c["image"] for g in [head, *groups.values()] for c in g["template"]["spec"]["containers"]}
    assert images == {"dexgen:cpu"}
    gpu = groups["gpu"]
    (container,) = gpu["template"]["spec"]["containers"]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == gpu["rayStartParams"]["num-gpus"] == "1"
