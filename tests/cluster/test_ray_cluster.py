"""guess -> simulate -> graspgen on a real Ray cluster (a head and two 1-CPU worker nodes on 127.0.0.1, in a
private network namespace): outputs byte-identical to the local pool, also when a worker node is killed
mid-stage; a bad mesh fails the stage with the file named instead of retrying."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dexgen.cluster.loopback import ADDRESS, private_network_command

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PARAMS = """
seed: 3
objects: {{count: 6, kinds: [box, cylinder, mug, capsule, torus, superquadric], shards: ["00"], size_range: [0.04, 0.07], workers: 1}}
guess: {{num_collision_free_grasps: 8, num_colliding_grasps: 2, num_random_poses: 2, workers: 2, max_pictures: 2}}
sim: {{threads: 1, max_pictures: 2}}
graspgen: {{min_positives: 1, max_excluded_fraction: 1.0, num_collision_free_grasps: 8, num_colliding_grasps: 2}}
cluster: {{address: {address}, max_retries: 3}}
"""


def _scenario():
    spec = importlib.util.spec_from_file_location("cluster_scenario", HERE / "cluster_scenario.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _can_unshare() -> bool:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return False
    return subprocess.run(["unshare", "--net", "true"], capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    if not _can_unshare():
        pytest.skip("needs `unshare --net` (root or user namespaces) for a loopback-only cluster")
    work = tmp_path_factory.mktemp("ray")
    (work / "local.yaml").write_text(PARAMS.format(address="null"))
    (work / "cluster.yaml").write_text(PARAMS.format(address=f'"{ADDRESS}"'))
    objects = subprocess.run(
        [
            sys.executable,
            str(REPO / "stages/objects.py"),
            "--params",
            str(work / "local.yaml"),
            "--no-progress",
            "--out",
            str(work / "objects"),
            "--cache",
            str(work / "cache"),
            "--report",
            str(work / "objects.json"),
            "--preview",
            str(work / "objects.png"),
        ],
        capture_output=True,
        text=True,
    )
    assert objects.returncode == 0, objects.stderr[-3000:]
    scenario = _scenario()
    local = scenario.pipeline(work, work / "local.yaml", work / "local")
    assert all(r["rc"] == 0 for r in local.values()), local
    workflow = scenario.graspgen_workflow(work, work / "local.yaml", work / "local_workflow")
    assert workflow.returncode == 0, workflow.stderr[-3000:]
    # a shard whose second mesh is not a mesh: the work itself fails, so Ray must not retry it
    bad = work / "bad" / "shard-00"
    shutil.copytree(work / "objects" / "shard-00", bad)
    index = json.loads((bad / "index.json").read_text())
    victim = sorted(index["objects"], key=lambda o: o["key"])[1]
    (bad / victim["mesh"]).write_bytes(b"ply\nformat nonsense\n")
    env = {**os.environ, "DEXGEN_PRIVATE_NETWORK": "1"}
    run = subprocess.run(
        private_network_command([sys.executable, str(HERE / "cluster_scenario.py"), str(work)]),
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    report = json.loads((work / "scenario.json").read_text())
    return work, report, victim


@pytest.mark.slow
def test_every_node_is_on_loopback(scenario):
    _, report, _ = scenario
    assert report["node_addresses"] == ["127.0.0.1"]  # the set of every live node's address


@pytest.mark.slow
@pytest.mark.parametrize("run", ["cluster", "killed"])
def test_cluster_outputs_are_byte_identical_to_the_local_pool(scenario, run):
    work, report, _ = scenario
    assert all(r["rc"] == 0 for r in report[run].values()), report[run]
    for part in ("guesses", "sim", "graspgen"):
        local, remote = _tree(work / "local" / part), _tree(work / run / part)
        assert local.keys() == remote.keys(), part
        differ = [name for name in local if local[name] != remote[name]]
        assert not differ, f"{run}/{part}: {differ}"


@pytest.mark.slow
def test_a_worker_node_killed_mid_stage_is_survived(scenario):
    work, report, _ = scenario
    objects = len(json.loads((work / "objects" / "shard-00" / "index.json").read_text())["objects"])
    assert report["killed_after"] is not None and report["killed_after"] < objects


@pytest.mark.slow
def test_a_bad_mesh_fails_the_stage_naming_it_without_retries(scenario):
    _, report, victim = scenario
    assert report["bad_mesh"]["rc"] != 0
    assert victim["mesh"] in report["bad_mesh"]["log"]


@pytest.mark.slow
def test_a_killed_driver_resumes_with_the_objects_it_finished(scenario):
    work, report, _ = scenario
    run = report["driver_killed"]
    assert run["rc"] == 0, run["log"]
    assert run["written_before_kill"] >= 1
    assert run["untouched_by_rerun"] == run["written_before_kill"]  # finished objects are not redone
    assert f"{run['written_before_kill']} up to date" in run["log"]
    local, resumed = _tree(work / "local" / "sim"), _tree(work / "driver" / "sim")
    assert {k: v for k, v in local.items() if k.endswith(".npz")} == {
        k: v for k, v in resumed.items() if k.endswith(".npz")
    }


@pytest.mark.slow
def test_dexgen_graspgen_with_ray_address_writes_the_local_dataset(scenario):
    work, report, _ = scenario
    assert report["workflow"]["rc"] == 0, report["workflow"]["log"]
    local, remote = _tree(work / "local_workflow"), _tree(work / "cluster_workflow")
    assert local.keys() == remote.keys()
    assert [name for name in local if local[name] != remote[name]] == []
