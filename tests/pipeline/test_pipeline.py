"""The whole DAG on tiny params: it runs, leaves a clean status, and a second repro does nothing.

Push, then pull into a fresh clone, is test_sharing.py's, on its one shared run."""

from __future__ import annotations

import json

import pytest
import yaml
from dvc_harness import dvc, reproduce, status

pytestmark = [pytest.mark.pipeline, pytest.mark.slow]


def _outs(repo) -> dict[str, str]:
    """{stage: out path -> md5} from dvc.lock."""
    lock = yaml.safe_load((repo / "dvc.lock").read_text())["stages"]
    return {f"{stage} {o['path']}": o["md5"] for stage, entry in lock.items() for o in entry.get("outs", [])}


def test_repro_runs_every_stage_then_nothing_and_a_second_clone_agrees_byte_for_byte(pipeline_repo, tmp_path):
    repo = pipeline_repo()
    ran = reproduce(repo)
    assert "objects" in ran
    assert {f"guess@{shard}" for shard in ("00", "01", "02", "03")} <= set(ran)
    assert status(repo) == {}
    assert reproduce(repo) == []
    assert "objects" in dvc(repo, "dag").stdout
    report = json.loads((repo / "metrics/objects.json").read_text())
    assert report["count"] == 6
    # every declared output, models and metrics included, is the same on a second machine's run
    other = pipeline_repo(name="other")  # a fresh copy: no outputs, no caches, no resume state
    reproduce(other)
    first, second = _outs(repo), _outs(other)
    assert first.keys() == second.keys()
    differ = sorted(k for k in first if first[k] != second[k] and not k.startswith("benchmark "))
    assert not differ, f"outputs that differ between two runs of the same code and params: {differ}"


def test_changing_one_scale_reruns_only_its_shard(pipeline_repo):
    params = {"objects": {"source": "directory"}}
    repo = pipeline_repo(params=params)
    ran = reproduce(repo)
    assert sum(s.startswith("guess@") for s in ran) == 4
    index = json.loads((repo / "data/objects/index.json").read_text())
    shard = next(o["shard"] for o in index["objects"] if o["key"] == "bottle.stl")

    scales_path = repo / "examples/meshes/object_scales.json"
    scales = json.loads(scales_path.read_text())
    scales["bottle.stl"] = 1.5
    scales_path.write_text(json.dumps(scales))
    ran = reproduce(repo)
    per_shard = {s for s in ran if s.split("@")[0] in ("guess", "simulate")}
    assert per_shard == {f"guess@{shard}", f"simulate@{shard}"}
    assert "objects" in ran  # the stages over the whole set run as well, and nothing else
    assert status(repo) == {}


def test_a_gripper_file_through_the_pipeline_and_editing_it_reruns_what_it_made(pipeline_repo):
    """`guess.gripper` (and the synthesized parallel-jaw set's gripper) set to a YAML that is not
    shipped: guess -> simulate -> graspgen, and dexnet_synth; the file is a dep, so editing it re-runs
    every stage its grasps came from."""
    from dvc_harness import REPO

    text = (REPO / "src/dexgen/grippers/robotiq_2f_85.yaml").read_text()
    mine = "my_grippers/my_gripper.yaml"
    repo = pipeline_repo(
        params={"guess": {"gripper": mine}, "dexnet": {"synth": {"parallel_jaw": {"gripper": mine}}}}
    )
    path = repo / "my_grippers" / "my_gripper.yaml"
    path.parent.mkdir()
    path.write_text(text.replace("name: robotiq_2f_85", "name: my_gripper"))
    ran = reproduce(repo, "graspgen", "dexnet_synth")
    assert {"objects", "graspgen", "dexnet_synth"} <= set(ran) and sum(
        s.startswith("simulate@") for s in ran
    ) == 4
    synth = json.loads((repo / "metrics/dexnet_synth.json").read_text())["tasks"]["parallel_jaw"]
    assert synth["gripper"]["name"] == "my_gripper"
    ds = repo / "data/graspgen"
    assert "name: my_gripper" in (ds / "config/grippers/my_gripper.yaml").read_text()
    assert sorted((ds / "grasp_data/my_gripper").glob("*.grasps.json"))
    metrics = json.loads((repo / "metrics/graspgen.json").read_text())
    assert list(metrics) == ["my_gripper"]

    path.write_text(path.read_text().replace("width: 0.022", "width: 0.02"))  # a narrower pad
    changed = set(status(repo))
    assert {f"guess@{shard}" for shard in ("00", "01", "02", "03")} | {"dexnet_synth"} <= changed
    ran = reproduce(repo, "graspgen")
    assert sum(s.startswith("guess@") for s in ran) == 4 and "graspgen" in ran
    assert "objects" not in ran
