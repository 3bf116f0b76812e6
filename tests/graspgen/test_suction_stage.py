"""The ``graspgen`` stage under ``graspgen.gripper``: one params change gives GraspGen's suction dataset of the
pipeline's objects; null keeps the parallel-jaw export; another two-finger gripper is refused by name."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import trimesh
from object_shards import write_shard
from tiny_stages import GUESS

from dexgen.cli.main import build_parser
from dexgen.graspgen.validate import check_dataset
from dexgen.guess.shard import guess_shard

REPO = Path(__file__).resolve().parents[2]
SUCTION = "single_suction_cup_30mm"
PARAMS = """
seed: 3
graspgen:
  guess_only: true
  min_positives: 2
  max_excluded_fraction: 1.0
  num_collision_free_grasps: 4
  num_colliding_grasps: 2
  suction: {candidates: 200, max_rounds: 2}
"""


def _stage():
    spec = importlib.util.spec_from_file_location("stage_graspgen", REPO / "stages" / "graspgen.py")
    stage = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stage)
    return stage


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """data/objects (one shard of two boxes with 60 mm faces a 30 mm cup seals on) and their guesses."""
    root = tmp_path_factory.mktemp("pipeline")
    boxes = {f"box_{i}": trimesh.creation.box(extents=(0.06, 0.07, 0.08 + 0.01 * i)) for i in range(2)}
    shard = write_shard(root / "objects" / "shard-00", boxes)
    guess_shard(shard, root / "guesses" / "shard-00", config=GUESS, seed=3, progress=False)
    return root


def _run(root: Path, tmp_path: Path, gripper: str | None) -> tuple[int, dict]:
    params = tmp_path / "params.yaml"
    params.write_text(PARAMS + (f"  gripper: {gripper}\n" if gripper else ""))
    code = _stage().main(
        [
            *("--objects", str(root / "objects"), "--guesses", str(root / "guesses")),
            *("--sim", str(root / "sim"), "--out", str(tmp_path / "ds")),
            *("--metrics", str(tmp_path / "metrics.json"), "--params", str(params), "--no-progress"),
        ]
    )
    metrics = json.loads((tmp_path / "metrics.json").read_text()) if code == 0 else {}
    return code, metrics


def test_a_suction_gripper_is_one_params_change(inputs, tmp_path):
    code, metrics = _run(inputs, tmp_path, SUCTION)
    assert code == 0 and list(metrics) == [SUCTION]
    ds = tmp_path / "ds"
    gdir = ds / "grasp_data" / SUCTION
    assert json.loads((gdir / "map_uuid_to_path.json").read_text()) == {
        "box_0": "box_0.1.0.grasps.json",
        "box_1": "box_1.1.0.grasps.json",
    }
    doc = json.loads((gdir / "box_0.1.0.grasps.json").read_text())
    assert doc["dexgen"]["provenance"]["suction_rule"] == "graspgen"  # the suction section's rule
    labels = doc["grasps"]["object_in_gripper"]
    assert all(type(v) is bool for v in labels) and sum(labels) == 4 and len(labels) == 6
    assert doc["gripper"]["radius"] == 0.015  # the cup block the viewer draws lip circles from
    check_dataset(ds, SUCTION, object_root=ds / "objects", min_positives=2)
    assert (ds / "splits" / SUCTION / "train.txt").is_file()
    assert (ds / "config" / "grippers" / f"{SUCTION}.yaml").is_file()
    assert (ds / "runs" / f"train_graspgen_{SUCTION}_gen.sh").is_file()
    assert metrics[SUCTION]["suction"]["sealable_short_of_quota"] == []
    assert all((ds / page).is_file() for page in metrics[SUCTION]["viewer"]) and metrics[SUCTION]["viewer"]
    assert not (ds / "grasp_data" / "robotiq_2f_85").exists()  # no parallel-jaw files from the trials


def test_null_keeps_the_parallel_jaw_export(inputs, tmp_path):
    code, metrics = _run(inputs, tmp_path, None)
    assert code == 0 and list(metrics) == ["robotiq_2f_85"]
    check_dataset(tmp_path / "ds", "robotiq_2f_85", min_positives=2)
    assert not (tmp_path / "ds" / "grasp_data" / SUCTION).exists()
    # naming the gripper guess and sim used is the same export
    first = (tmp_path / "metrics.json").read_text()
    assert _run(inputs, tmp_path, "robotiq_2f_85") == (0, json.loads(first))


def test_another_two_finger_gripper_is_refused_naming_the_param(inputs, tmp_path, capsys):
    code, _ = _run(inputs, tmp_path, "franka_panda")
    err = capsys.readouterr().err
    assert code != 0
    assert (
        "graspgen.gripper franka_panda" in err
        and "is not the gripper guess and sim made the data with" in err
    )
    assert not (tmp_path / "ds" / "grasp_data").exists()


def test_the_cli_reads_the_same_param(tmp_path, capsys):
    """``dexgen graspgen`` without --gripper_config takes graspgen.gripper before guess.gripper."""
    meshes = REPO / "examples" / "meshes"
    params = tmp_path / "params.yaml"
    params.write_text(PARAMS + f"  gripper: {SUCTION}\n")
    argv = ["graspgen", "--params", str(params), "--object_dataset", str(meshes), "--no-progress"]
    argv += [
        "--object_scales_json",
        str(meshes / "object_scales.json"),
        "--grasp_dataset",
        str(tmp_path / "ds"),
    ]
    args = build_parser().parse_args(argv)
    assert args.run(args) == 0
    assert json.loads(capsys.readouterr().out)["suction"]["rule"] == "graspgen"
    assert sorted(p.name for p in (tmp_path / "ds" / "grasp_data").iterdir()) == [SUCTION]
