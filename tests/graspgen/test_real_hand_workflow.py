"""``dexgen graspgen --gripper_config <robot description>``: the whole workflow with a real hand.

Guessing and simulating with a real hand come from parts built alongside the export; until they are
merged these runs stop in the guess step (a :class:`GripperModel` where a box gripper is expected).
"""

from __future__ import annotations

import json
from pathlib import Path

import airo_models
import pytest
import trimesh
from graspgen.test_workflow import REPO, _cli

from dexgen.errors import ConfigError, InputError
from dexgen.graspgen.validate import check_dataset
from dexgen.grippers.hand import load_hand
from tests.tiny_hands import write_hand


def _tiny(tmp_path: Path) -> Path:
    return write_hand(tmp_path / "hand", kind="slide")


def _airo(tmp_path: Path) -> Path:
    return Path(airo_models.get_urdf_path("robotiq_2f_85"))


def _airo_with_force(tmp_path: Path) -> Path:
    """The airo URDF states no effort: a pointer file gives the 2F-85's 235 N (the squeeze is the gripper's own,
    never a silent substitute; without it the simulate step refuses, test below)."""
    pointer = tmp_path / "airo_2f85.yaml"
    urdf = airo_models.get_urdf_path("robotiq_2f_85")
    pointer.write_text(f"name: airo_2f85\ndescription: {urdf}\nclosing_force: 235\n")
    return pointer


@pytest.mark.slow
@pytest.mark.parametrize("description", [_tiny, _airo_with_force], ids=["tiny_urdf", "airo_2f85_urdf"])
def test_a_robot_description_makes_a_whole_dataset(tmp_path, description):
    urdf = description(tmp_path)
    model = load_hand(urdf)
    root, scales = REPO / "examples/meshes", REPO / "examples/meshes/object_scales.json"
    flags = [
        "--gripper_config",
        str(urdf),
        "--object_dataset",
        str(root),
        "--object_scales_json",
        str(scales),
    ]
    assert _cli(tmp_path, *flags) == 0
    ds, name = tmp_path / "ds", model.name
    files = sorted((ds / "grasp_data" / name).glob("*.grasps.json"))
    assert files
    for path in files:
        gripper = json.loads(path.read_text())["gripper"]
        assert gripper["dexgen_sha256"] == model.sha256
        assert gripper["width"] == pytest.approx(model.stroke)
    config = ds / "config" / "grippers"
    mesh = trimesh.load(config / f"{name}_collision.obj", force="mesh", process=False)
    assert len(mesh.faces) == sum(model.faces().values())  # the real bodies (4606 faces for the 2F-85)
    assert f"{name}_collision.obj" in (config / f"{name}.py").read_text()
    assert sorted((ds / ".dexgen" / "sim" / name).rglob("*.npz")), "simulated with the real hand"
    check_dataset(ds, name, object_root=root, min_positives=2)
    assert (ds / "viewer" / "train.html").is_file()


def test_graspgens_own_config_of_the_same_name_is_refused_before_any_work(tmp_path):
    """The airo-models 2F-85 URDF names its robot robotiq_2f_85, as GraspGen's own YAML-only config:
    the run stops before building objects unless --overwrite_gripper_config."""
    urdf = _airo(tmp_path)
    source = tmp_path / "GraspGen"
    (source / "config" / "grippers").mkdir(parents=True)
    theirs = source / "config" / "grippers" / "robotiq_2f_85.yaml"
    theirs.write_text("name: robotiq_2f_85\nmaximum_aperture: 0.085\n")
    with pytest.raises(InputError, match=r"robotiq_2f_85.yaml: a robotiq_2f_85 config dexgen did not write"):
        _cli(tmp_path, "--guess_only", "--gripper_config", str(urdf), "--graspgen_source", str(source))
    assert not (tmp_path / "ds" / ".dexgen").exists()  # nothing was built
    assert theirs.read_text() == "name: robotiq_2f_85\nmaximum_aperture: 0.085\n"


def test_a_description_whose_name_is_not_an_identifier_says_how_to_name_it(tmp_path):
    urdf = _tiny(tmp_path)
    dashed = urdf.with_name("my-hand.urdf")
    urdf.rename(dashed)
    with pytest.raises(ConfigError, match=r"my-hand.urdf: gripper name 'my-hand' .*name: my_hand"):
        _cli(tmp_path, "--guess_only", "--gripper_config", str(dashed))
    pointer = tmp_path / "hand" / "pointer.yaml"
    pointer.write_text("name: my_hand\ndescription: my-hand.urdf\nclosing_force: 70\n")
    assert load_hand(pointer).name == "my_hand"
