"""``dexgen graspgen`` with a suction gripper on examples/meshes, as a new user runs it: GraspGen's suction
dataset (tutorial layout, lip frames, JSON booleans), its gripper config read as GraspGen reads it,
suction training scripts, a kept GraspGen config, a 2-cup array, and an identical re-run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import trimesh
import yaml

from dexgen.cli.main import build_parser
from dexgen.graspgen.suction_config import suction_fields, suction_python
from dexgen.graspgen.validate import check_dataset
from dexgen.grippers.loader import load_gripper
from dexgen.suction.cup import CupArray
from dexgen.suction.seal_graspgen import caster, sealed_cups

from .graspgen_loader import get_gripper_info

REPO = Path(__file__).resolve().parents[2]
MESHES = REPO / "examples" / "meshes"
PARAMS = """
seed: 3
graspgen: {num_collision_free_grasps: 16, num_colliding_grasps: 8, suction: {candidates: 300, max_rounds: 3}}
"""
# every field GraspGen's SuctionCupArray.from_file reads
FROM_FILE = [
    "poses",
    "num_sides",
    "radius",
    "height",
    "suction_force",
    "material_kappa",
    "friction_mu",
    "interpolated_perimeter_vertices",
    "spring_max_length_change",
    "standoff_distance",
    "num_suction_points_for_hole_check",
    "collision_mesh_fname",
]


def _cli(tmp_path: Path, gripper: str, *flags: str, params: str = PARAMS) -> int:
    path = tmp_path / "params.yaml"
    path.write_text(params)
    params = path
    argv = ["graspgen", "--params", str(params), "--gripper_config", gripper, "--object_dataset", str(MESHES)]
    argv += [
        "--object_scales_json",
        str(MESHES / "object_scales.json"),
        "--grasp_dataset",
        str(tmp_path / "ds"),
    ]
    args = build_parser().parse_args([*argv, "--no-progress", *flags])
    return args.run(args)


def _files(gdir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(gdir.glob("*.json"))}


def test_single_cup_dataset_as_graspgen_reads_it(tmp_path, capsys):
    assert _cli(tmp_path, "single_suction_cup_30mm") == 0
    metrics = json.loads(capsys.readouterr().out)
    ds = tmp_path / "ds"
    gdir = ds / "grasp_data" / "single_suction_cup_30mm"
    assert json.loads((gdir / "map_uuid_to_path.json").read_text()) == {
        "block.glb": "block.glb.0.01.grasps.json"
    }
    assert sorted(metrics["excluded_objects"]) == [
        "bottle.stl",
        "tools/hammer.obj",
    ]  # nothing seals: capsule, 20 mm bar
    assert metrics["suction"]["rule"] == "graspgen" and metrics["suction"]["sealable_short_of_quota"] == []
    doc = json.loads((gdir / "block.glb.0.01.grasps.json").read_text())
    assert doc["object"] == {"file": "block.glb", "scale": 0.01}
    labels = doc["grasps"]["object_in_gripper"]
    assert all(type(v) is bool for v in labels) and sum(labels) == 16 and len(labels) == 24
    assert doc["dexgen"]["provenance"]["suction_rule"] == "graspgen"
    # poses are lip frames 1 mm off the mesh GraspGen loads (file, scaled), +z out of the object
    mesh = trimesh.load(MESHES / "block.glb", force="mesh")
    mesh.apply_scale(0.01)
    T = np.array(doc["grasps"]["transforms"])
    closest, dist, face = trimesh.proximity.closest_point(mesh, T[:, :3, 3])
    np.testing.assert_allclose(dist, 0.001, atol=1e-6)
    np.testing.assert_allclose(T[:, :3, 2], mesh.face_normals[face], atol=1e-6)
    # the labels are GraspGen's seal on that mesh, re-checked from the file
    centred = mesh.copy()
    com = np.asarray(mesh.center_mass)
    centred.apply_translation(-com)
    Tc = T.copy()
    Tc[:, :3, 3] -= com
    cup = CupArray.from_gripper(load_gripper("single_suction_cup_30mm"))
    np.testing.assert_array_equal(sealed_cups(caster(centred), cup, Tc)[:, 0], labels)
    # the gripper config: SuctionCupArray's fields, GraspGen's loader, TCP at the lip
    cfg = yaml.safe_load((ds / "config" / "grippers" / "single_suction_cup_30mm.yaml").read_text())
    assert set(FROM_FILE) <= set(cfg) and cfg["radius"] == 0.015 and cfg["height"] == 0.03
    assert (ds / cfg["collision_mesh_fname"]).is_file()
    info = get_gripper_info(ds, "single_suction_cup_30mm", cwd=tmp_path)
    assert info is not None
    check_dataset(ds, "single_suction_cup_30mm", object_root=MESHES, min_positives=5)
    gen = (ds / "runs" / "train_graspgen_single_suction_cup_30mm_gen.sh").read_text()
    dis = (ds / "runs" / "train_graspgen_single_suction_cup_30mm_dis.sh").read_text()
    assert 'BACKBONE="ptv3"' in gen and "NUM_POINTS=3500" in gen
    assert 'RATIO="[0.25,0.24,0.00,0.01,0.00,0.25,0.25]"' in dis
    # a re-run keeps every file as it is
    first = _files(gdir)
    assert _cli(tmp_path, "single_suction_cup_30mm") == 0
    assert _files(gdir) == first


def test_graspgens_own_config_is_kept(tmp_path, capsys):
    """A GraspGen checkout's own suction config (no dexgen hash) is never overwritten without the flag."""
    src = tmp_path / "GraspGen" / "config" / "grippers"
    src.mkdir(parents=True)
    gripper = load_gripper("single_suction_cup_30mm")
    fields = {
        k: v for k, v in suction_fields(gripper).items() if k not in ("name", "file_name", "dexgen_sha256")
    }
    theirs = {src / "single_suction_cup_30mm.yaml": yaml.safe_dump(fields)}
    # GraspGen's own .py imports its package, which is not installed here
    theirs[src / "single_suction_cup_30mm.py"] = (
        "from grasp_gen.robot import load_control_points_core\n" + suction_python(gripper)
    )
    for path, text in theirs.items():
        path.write_text(text)
    assert _cli(tmp_path, "single_suction_cup_30mm", "--graspgen_source", str(tmp_path / "GraspGen")) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["gripper_config"] == "kept" and metrics["positives"] > 0
    assert any("imports GraspGen's package (grasp_gen)" in w for w in metrics["warnings"])
    assert all(path.read_text() == text for path, text in theirs.items())
    assert (tmp_path / "GraspGen" / "runs" / "train_graspgen_single_suction_cup_30mm_gen.sh").is_file()
    assert (
        _cli(
            tmp_path,
            "single_suction_cup_30mm",
            "--graspgen_source",
            str(tmp_path / "GraspGen"),
            "--overwrite_gripper_config",
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["gripper_config"] == "ours"
    assert "dexgen_sha256" in (src / "single_suction_cup_30mm.yaml").read_text()


TWO_CUPS = """name: two_cups_30mm
kind: suction
cup_radius: 0.015
cup_height: 0.03
tube_radius: 0.006
depth: 0.069
suction_force: 250.0
friction: 0.5
cups:
  - [[1.0, 0.0, 0.0, -0.018], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
  - [[1.0, 0.0, 0.0, 0.018], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
"""


@pytest.mark.slow  # two exports of examples/meshes
def test_two_cup_array_through_the_same_command(tmp_path, capsys):
    gripper = tmp_path / "two_cups_30mm.yaml"
    gripper.write_text(TWO_CUPS)
    found = {}
    for required in ("null", "1"):
        run = tmp_path / required
        run.mkdir()
        params = PARAMS.replace("max_rounds: 3}", f"max_rounds: 3, cups_required: {required}}}")
        assert _cli(run, str(gripper), params=params) == 0
        metrics = json.loads(capsys.readouterr().out)
        doc = json.loads(
            (run / "ds" / "grasp_data" / "two_cups_30mm" / "block.glb.0.01.grasps.json").read_text()
        )
        assert len(doc["gripper"]["poses"]) == 2 and doc["gripper"]["poses"][1][0][3] == 0.018
        found[required] = doc["dexgen"]["counts"]["positive_candidates"]
        assert metrics["suction"]["cups_required"] == (None if required == "null" else 1)
    assert found["1"] > found["null"] > 0  # one sealed cup of two is more often true than both
