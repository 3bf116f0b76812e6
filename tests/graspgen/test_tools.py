"""yaml-to-json (quaternion order, gripper from the file) and analyze-grasp-data (counts, exit codes)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import yaml

from dexgen.cli.main import main
from dexgen.errors import InputError
from dexgen.graspgen.grasp_file import read_grasp_file
from dexgen.graspgen.isaac_yaml import convert_yaml_to_json, offset_matrix
from dexgen.grippers.loader import load_gripper

S = math.sqrt(0.5)
# GraspDataGen guess-YAML layout (graspdatagen.md §6), written by hand
ISAAC = f"""
format: isaac_grasp
format_version: '1.0'
created_with: grasp_guess
object_file: objects/banana.obj
object_scale: 0.75
gripper_file: bots/franka_panda.usd
gripper_frame_link: panda_hand
grasps:
  grasp_0:
    confidence: 1.0
    position: [0.1, 0.2, 0.3]
    orientation: {{w: {S}, xyz: [0.0, 0.0, {S}]}}
  grasp_1:
    confidence: 0.0
    position: [0.0, 0.0, 0.0]
    orientation: {{w: 0.5, xyz: [0.5, 0.5, 0.5]}}
  grasp_2:
    confidence: 0.25
    position: [0.0, 0.0, 0.1]
    orientation: {{w: 0.0, xyz: [1.0, 0.0, 0.0]}}
"""


def _run(command, argv):
    return main([command, *argv])


def test_yaml_to_json_uses_w_first_orientation_and_the_files_gripper(tmp_path, capsys):
    src = tmp_path / "banana.yaml"
    src.write_text(ISAAC)
    assert _run("yaml-to-json", [str(src)]) == 0
    doc, t, ok = read_grasp_file(tmp_path / "banana.json")
    # 90 deg about +z (w = cos 45, z = sin 45): x -> y, y -> -x
    np.testing.assert_allclose(t[0, :3, :3], [[0, -1, 0], [1, 0, 0], [0, 0, 1]], atol=1e-12)
    np.testing.assert_allclose(t[0, :3, 3], [0.1, 0.2, 0.3])
    # 120 deg about (1, 1, 1): the cyclic permutation x -> y -> z -> x
    np.testing.assert_allclose(t[1, :3, :3], [[0, 0, 1], [1, 0, 0], [0, 1, 0]], atol=1e-12)
    # 180 deg about x (w = 0)
    np.testing.assert_allclose(t[2, :3, :3], np.diag([1.0, -1.0, -1.0]), atol=1e-12)
    assert ok.tolist() == [True, False, True]  # confidence > 0
    assert doc["object"] == {"file": "objects/banana.obj", "scale": 0.75}
    assert doc["gripper"]["name"] == "franka_panda"  # from gripper_file, not hard-coded robotiq_2f_85
    assert doc["gripper"]["width"] == load_gripper("franka_panda").max_opening


def test_gripper_config_offset_is_read_as_xyzw(tmp_path):
    cfg = tmp_path / "franka_panda.yaml"
    offset = [[0.0, 0.0, 0.0], [0.0, 0.0, S, S]]  # 90 deg about z, xyzw
    cfg.write_text(
        yaml.safe_dump(
            {
                "name": "franka_panda",
                "width": 0.105,
                "depth": 0.105,
                "transform_offset_from_asset_to_graspgen_convention": offset,
            }
        )
    )
    src = tmp_path / "g.yaml"
    src.write_text(ISAAC)
    out = convert_yaml_to_json(src, tmp_path / "out.json", max_grasps=2, gripper_config=cfg)
    doc, t, _ = read_grasp_file(out)
    assert len(t) == 2 and doc["gripper"]["transform_offset_from_asset_to_graspgen_convention"] == offset
    np.testing.assert_allclose(offset_matrix(offset)[:3, :3], [[0, -1, 0], [1, 0, 0], [0, 0, 1]], atol=1e-12)
    other = tmp_path / "robotiq.yaml"
    other.write_text(yaml.safe_dump({"name": "robotiq_2f_85", "depth": 0.13, "width": 0.087}))
    with pytest.raises(InputError, match="is for 'robotiq_2f_85' but .* names 'franka_panda'"):
        convert_yaml_to_json(src, tmp_path / "x.json", gripper_config=other)


def _grasp_json(path, mask):
    n = len(mask)
    path.write_text(
        json.dumps(
            {
                "object": {"file": path.stem, "scale": 1.0},
                "grasps": {"transforms": [np.eye(4).tolist()] * n, "object_in_gripper": mask},
            }
        )
    )


def test_analyze_counts_ignores_the_map_and_fails_on_criteria(tmp_path, capsys):
    _grasp_json(tmp_path / "a.json", [True] * 6 + [False] * 2)
    _grasp_json(tmp_path / "b.json", [True] * 2 + [False] * 6)
    (tmp_path / "map_uuid_to_path.json").write_text(json.dumps({"a": "a.json", "b": "b.json"}))
    (tmp_path / "c.yaml").write_text(ISAAC)
    out = tmp_path / "report.json"
    assert _run("analyze-grasp-data", [str(tmp_path), "-o", str(out)]) == 0
    report = json.loads(out.read_text())
    assert [f["file"].split("/")[-1] for f in report["files"]] == ["a.json", "b.json", "c.yaml"]
    agg = report["aggregate"]
    assert (agg["total"], agg["success"], agg["failed"]) == (19, 10, 9)
    assert agg["success_rate_mean"] == pytest.approx((6 / 8 + 2 / 8 + 2 / 3) / 3)
    assert _run("analyze-grasp-data", [str(tmp_path), "--min-success", "3"]) == 1
    err = capsys.readouterr().err
    assert "b.json: success 2 < 3" in err and "a.json" not in err
    assert (
        _run("analyze-grasp-data", [str(tmp_path / "a.json"), "--min-total", "8", "--min-failed", "2"]) == 0
    )
    assert _run("analyze-grasp-data", [str(tmp_path / "a.json"), "--min-failed", "3"]) == 1


def test_analyze_fails_on_a_01_mask_and_on_an_empty_folder(tmp_path, capsys):
    _grasp_json(tmp_path / "ints.json", [1, 0, 1])
    assert _run("analyze-grasp-data", [str(tmp_path), "--quiet"]) == 1
    assert "not true/false" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _run("analyze-grasp-data", [str(empty)]) == 1
