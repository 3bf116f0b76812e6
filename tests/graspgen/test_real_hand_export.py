"""The GraspGen export with a real hand: its config loads the real collision mesh through GraspGen's
own loading steps, a whole dataset is written from real-hand guess and sim files, and GraspGen's
configs are never overwritten."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import airo_models
import numpy as np
import pytest
import yaml
import yourdfpy
from graspgen.graspgen_loader import get_gripper_info
from graspgen.real_records import BOXES, HELD, write_real_hand_records
from gripper_descriptions import DRIVEN, write_mjcf, write_usd

from dexgen.errors import InputError
from dexgen.graspgen.gripper_config import gripper_fields, refuse_stale_config, write_gripper_config
from dexgen.graspgen.hand_config import collision_mesh
from dexgen.graspgen.isaac_yaml import isaac_to_document
from dexgen.graspgen.stage import export_from_shards
from dexgen.graspgen.validate import validate_dataset
from dexgen.grippers.hand import load_hand
from dexgen.params.graspgen import GraspgenConfig
from tests.tiny_hands import write_hand


@pytest.fixture(scope="module")
def real_2f85():
    return load_hand("robotiq_2f_85_real")


def test_the_real_hand_config_is_what_graspgen_loads(tmp_path, real_2f85):
    model = real_2f85
    config_dir = tmp_path / "GraspGen" / "config" / "grippers"
    assert write_gripper_config(model, config_dir, overwrite=False) == "written"
    assert sorted(p.name for p in config_dir.iterdir()) == [
        f"{model.name}.py",
        f"{model.name}.yaml",
        f"{model.name}_collision.obj",
    ]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    info = get_gripper_info(tmp_path / "GraspGen", model.name, cwd=elsewhere)
    mesh, expected = info["collision_mesh"], model.mesh_at(model.stroke)
    assert len(mesh.faces) == len(expected.faces) > 1000  # the real bodies, not 36 box triangles
    np.testing.assert_array_equal(mesh.faces, expected.faces)
    np.testing.assert_allclose(mesh.vertices, expected.vertices, atol=1e-9)
    cfg = yaml.safe_load((config_dir / f"{model.name}.yaml").read_text())
    assert cfg["width"] == pytest.approx(model.stroke, abs=1e-9)
    assert cfg["depth"] == pytest.approx(model.tcp_depth(), abs=1e-12) == info["depth"]
    assert info["symmetric"] is True and cfg["collision_mesh"] == f"{model.name}_collision.obj"
    bites = model.bite_points(model.stroke)
    assert [c["link_name"] for c in cfg["contact_points"]] == [p.body for p in model.pads]
    np.testing.assert_allclose([c["location"] for c in cfg["contact_points"]], bites, atol=1e-12)
    cp = info["control_points"].numpy()
    assert cp.shape == (4, 5)
    np.testing.assert_allclose(cp[:3, [3, 2]].T, bites, atol=1e-6)  # fingertip points = bite points
    np.testing.assert_allclose(info["transform_from_base_link_to_tool_tcp"][2, 3], model.tcp_depth())
    assert len(info["control_points_visualization"][0]) == 7


def test_real_hand_configs_follow_the_ownership_rules(tmp_path):
    model = load_hand(write_hand(tmp_path / "hand", kind="curl"))
    out = tmp_path / "config"
    obj = out / f"{model.name}_collision.obj"
    assert write_gripper_config(model, out, overwrite=False) == "written"
    assert write_gripper_config(model, out, overwrite=False) == "unchanged"
    obj.write_text("# my own simplified mesh\n")
    assert write_gripper_config(model, out, overwrite=False) == "kept"
    assert obj.read_text() == "# my own simplified mesh\n"
    assert write_gripper_config(model, out, overwrite=True) == "written"
    obj.unlink()  # a missing part of our own config is written again
    assert write_gripper_config(model, out, overwrite=False) == "written" and obj.is_file()
    other = tmp_path / "theirs"
    other.mkdir()
    (other / f"{model.name}.yaml").write_text(f"name: {model.name}\nmaximum_aperture: 0.1\n")
    with pytest.raises(InputError, match=rf"{model.name}.yaml: a {model.name} config dexgen did not write"):
        refuse_stale_config(model, other)
    with pytest.raises(InputError, match="--overwrite_gripper_config"):
        write_gripper_config(model, other, overwrite=False)
    assert not (other / f"{model.name}.py").exists() and not (other / obj.name).exists()


def test_a_whole_dataset_is_exported_from_real_hand_records(tmp_path):
    model = load_hand(write_hand(tmp_path / "hand", kind="slide"))
    objects, guesses, sim = write_real_hand_records(tmp_path / "data", model)
    dataset = tmp_path / "ds"
    metrics = export_from_shards(objects, guesses, sim, dataset, cfg=GraspgenConfig(), seed=3, progress=False)
    assert metrics[model.name]["gripper_sha256"] == model.sha256
    files = sorted((dataset / "grasp_data" / model.name).glob("*.grasps.json"))
    assert len(files) == len(BOXES)
    for path in files:
        doc = json.loads(path.read_text())
        assert doc["gripper"]["width"] == pytest.approx(model.stroke)
        assert doc["gripper"]["depth"] == pytest.approx(model.tcp_depth())
        assert doc["gripper"]["dexgen_sha256"] == model.sha256
        assert sum(doc["grasps"]["object_in_gripper"]) == HELD
    info = get_gripper_info(dataset, model.name, cwd=tmp_path)  # the dataset is laid out as GraspGen
    assert len(info["collision_mesh"].faces) == sum(model.faces().values())
    assert (dataset / "viewer" / "train.html").is_file()
    obj = dataset / "config" / "grippers" / f"{model.name}_collision.obj"
    before = obj.stat().st_mtime_ns
    export_from_shards(objects, guesses, sim, dataset, cfg=GraspgenConfig(), seed=3, progress=False)
    assert obj.stat().st_mtime_ns == before  # same model, same bytes: not rewritten


def test_a_missing_collision_mesh_is_a_finding_naming_the_py(tmp_path):
    model = load_hand(write_hand(tmp_path / "hand", kind="slide"))
    objects, guesses, sim = write_real_hand_records(tmp_path / "data", model)
    dataset = tmp_path / "ds"
    export_from_shards(objects, guesses, sim, dataset, cfg=GraspgenConfig(), seed=3, progress=False)
    (dataset / "config" / "grippers" / f"{model.name}_collision.obj").unlink()
    report = validate_dataset(dataset, model.name)
    assert any(f"{model.name}.py: GripperModel() fails" in e for e in report.errors), report.errors


def test_an_isaac_grasp_file_of_a_shipped_real_hand_gets_its_width_and_depth(real_2f85):
    data = {"format": "isaac_grasp", "object_file": "a.obj", "gripper_name": real_2f85.name}
    data["grasps"] = {"grasp_0": {"position": [0, 0, 0.1], "orientation": {"w": 1.0, "xyz": [0, 0, 0]}}}
    doc = isaac_to_document(data, where="g.yaml")
    assert doc["gripper"]["width"] == pytest.approx(real_2f85.stroke)
    assert doc["gripper"]["depth"] == pytest.approx(real_2f85.tcp_depth())


def test_urdf_mjcf_and_usd_of_one_hand_write_the_same_graspgen_config(tmp_path):
    """The 2F-85 from airo-models' URDF, the MJCF MuJoCo compiles from it and the USD authored from
    it: the same width, depth, contact points and collision mesh (vertices in body order) to 1e-6 m."""
    logging.getLogger("yourdfpy").setLevel(logging.ERROR)
    urdf = Path(airo_models.get_urdf_path("robotiq_2f_85"))
    robot = yourdfpy.URDF.load(
        str(urdf), build_collision_scene_graph=True, load_meshes=False, load_collision_meshes=True
    )
    sources = [
        urdf,
        write_mjcf(urdf, robot, tmp_path / "h.xml"),
        write_usd(robot, DRIVEN, tmp_path / "h.usda"),
    ]
    fields, meshes = [], []
    for i, source in enumerate(sources):
        model = load_hand(source)
        fields.append(gripper_fields(model))
        meshes.append(collision_mesh(model))
        assert write_gripper_config(model, tmp_path / f"config{i}", overwrite=False) == "written"
    for f, mesh in zip(fields[1:], meshes[1:]):
        assert f["width"] == pytest.approx(fields[0]["width"], abs=1e-6)
        assert f["depth"] == pytest.approx(fields[0]["depth"], abs=1e-6)
        np.testing.assert_allclose(
            [c["location"] for c in f["contact_points"]],
            [c["location"] for c in fields[0]["contact_points"]],
            atol=1e-6,
        )
        assert len(mesh.faces) == len(meshes[0].faces) > 1000
        np.testing.assert_allclose(
            np.sort(mesh.vertices, axis=0), np.sort(meshes[0].vertices, axis=0), atol=1e-6
        )
