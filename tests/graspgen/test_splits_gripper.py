"""Seeded splits and user split files; the gripper config files and their real collision mesh."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import torch
import yaml

from dexgen.errors import ConfigError, InputError
from dexgen.graspgen.gripper_config import (
    check_gripper_name,
    gripper_python,
    refuse_stale_config,
    write_gripper_config,
)
from dexgen.graspgen.splits import make_splits, parse_split, write_splits
from dexgen.graspgen.suction_config import suction_collision_mesh
from dexgen.grippers.geometry import bodies, body_mesh, gripper_mesh
from dexgen.grippers.loader import gripper_names, load_gripper
from dexgen.grippers.spec import ParallelJawGripper, SuctionGripper

KEYS = [f"obj_{i:03d}" for i in range(40)]


def test_splits_are_deterministic_from_the_seed():
    a = make_splits(KEYS, seed=1, valid_fraction=0.2)
    assert a == make_splits(list(reversed(KEYS)), seed=1, valid_fraction=0.2)
    assert a != make_splits(KEYS, seed=2, valid_fraction=0.2)
    train, valid = a
    assert len(valid) == 8 and sorted(train + valid) == KEYS and not set(train) & set(valid)
    # adding an object moves at most one existing object between the files
    _, valid_more = make_splits([*KEYS, "new"], seed=1, valid_fraction=0.2)
    assert len(set(valid) - set(valid_more)) <= 1


@pytest.mark.parametrize(("n", "fraction", "n_valid"), [(2, 0.2, 1), (10, 0.2, 2), (10, 0.0, 0), (1, 0.2, 1)])
def test_valid_count(n, fraction, n_valid):
    train, valid = make_splits(KEYS[:n], seed=0, valid_fraction=fraction)
    assert len(valid) == n_valid and set(train) | set(valid) == set(KEYS[:n])


def test_user_split_files_are_kept_and_checked(tmp_path):
    d = tmp_path / "splits"
    d.mkdir()
    (d / "train.txt").write_text("\n".join(KEYS[:30]) + "\n\n")
    (d / "valid.txt").write_text("  " + "\n".join(KEYS[30:]) + "  \n")
    train, valid, state = write_splits(d, KEYS, seed=0, valid_fraction=0.2)
    assert state == "kept" and train == KEYS[:30] and valid == KEYS[30:]
    # a user file that misses a current object is replaced by seeded splits
    train, valid, state = write_splits(d, [*KEYS, "extra"], seed=0, valid_fraction=0.2)
    assert state == "written" and "extra" in train + valid
    # our own files are rewritten without complaint when objects go away
    assert write_splits(d, KEYS[:10], seed=0, valid_fraction=0.2)[2] == "written"
    # a user file naming an object the dataset does not have is refused, naming the file
    (d / "train.txt").write_text("obj_000\nghost\n")
    with pytest.raises(InputError, match=r"train\.txt: names 1 object\(s\) with no grasp file.*ghost"):
        write_splits(d, KEYS[:10], seed=0, valid_fraction=0.2)


def test_split_parsing_matches_graspgen():
    assert parse_split("a\n  b  \n\n\tc\n") == ["a", "b", "c"]


def _module(path):
    spec = importlib.util.spec_from_file_location(f"gg_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", gripper_names())
def test_gripper_files_hold_the_real_collision_mesh(tmp_path, name):
    gripper = load_gripper(name)
    assert write_gripper_config(gripper, tmp_path, overwrite=False) == "written"
    module = _module(tmp_path / f"{name}.py")
    mesh = module.GripperModel().get_gripper_collision_mesh()
    suction = isinstance(gripper, SuctionGripper)  # GraspGen's suction frame: cups on +z from the lip
    expected = suction_collision_mesh(gripper) if suction else gripper_mesh(gripper)
    assert len(mesh.faces) > 0
    np.testing.assert_array_equal(mesh.vertices, expected.vertices)
    np.testing.assert_array_equal(mesh.faces, expected.faces)
    if suction:
        assert mesh.bounds[0][2] == pytest.approx(0.0) and mesh.bounds[1][2] == pytest.approx(gripper.depth)
        np.testing.assert_allclose(module.get_transform_from_base_link_to_tool_tcp(), np.eye(4))
    else:
        assert mesh.volume == pytest.approx(sum(body_mesh(b).volume for b in bodies(gripper)))
    cp = module.load_control_points()
    assert isinstance(cp, torch.Tensor) and cp.shape[0] == 4
    np.testing.assert_allclose(cp[3].numpy(), 1.0)
    cfg = yaml.safe_load((tmp_path / f"{name}.yaml").read_text())
    assert cfg["depth"] > 0 and cfg["transform_offset_from_asset_to_graspgen_convention"][1] == [0, 0, 0, 1]
    if isinstance(gripper, ParallelJawGripper):
        w, d = gripper.max_opening, gripper.tcp_depth
        assert cfg["width"] == w and cfg["depth"] == d and cp.shape[1] == 5
        np.testing.assert_allclose(
            cp[:3, :4].T.numpy(),
            [[w / 2, 0, d / 2], [-w / 2, 0, d / 2], [w / 2, 0, d], [-w / 2, 0, d]],
            atol=1e-7,
        )
        assert len(module.load_control_points_for_visualization()[0]) == 7
        np.testing.assert_allclose(module.get_transform_from_base_link_to_tool_tcp()[2, 3], d)
    else:
        assert "control_points" in cfg
    # unchanged on a second write; a different file is kept without overwrite
    assert write_gripper_config(gripper, tmp_path, overwrite=False) == "unchanged"
    (tmp_path / f"{name}.py").write_text("# edited\n")
    assert write_gripper_config(gripper, tmp_path, overwrite=False) == "kept"
    assert write_gripper_config(gripper, tmp_path, overwrite=True) == "written"


@pytest.mark.parametrize("bad", ["2f-85", "robotiq 85", "class", ""])
def test_gripper_names_must_be_identifiers(bad):
    with pytest.raises(ConfigError, match="not a valid Python identifier"):
        check_gripper_name(bad)


def test_generated_python_needs_no_dexgen():
    text = gripper_python(load_gripper("robotiq_2f_85"))
    assert "dexgen" not in "".join(line for line in text.splitlines() if line.startswith(("import", "from")))


def test_a_graspgen_yaml_without_a_py_is_never_overwritten(tmp_path):
    """GraspGen ships robotiq_2f_85.yaml alone (a URDFHand description, no .py): the export keeps it,
    writes no .py beside it and stops saying why, unless asked to overwrite."""
    gripper = load_gripper("robotiq_2f_85")
    theirs = "name: robotiq_2f_85\nmaximum_aperture: 0.12\n"
    (tmp_path / "robotiq_2f_85.yaml").write_text(theirs)
    with pytest.raises(InputError, match=r"robotiq_2f_85.yaml: a robotiq_2f_85 config dexgen did not write"):
        refuse_stale_config(gripper, tmp_path)  # before any work, in dexgen graspgen
    with pytest.raises(InputError, match="--overwrite_gripper_config"):
        write_gripper_config(gripper, tmp_path, overwrite=False)
    assert (tmp_path / "robotiq_2f_85.yaml").read_text() == theirs
    assert not (tmp_path / "robotiq_2f_85.py").exists()
    assert write_gripper_config(gripper, tmp_path, overwrite=True) == "written"
    assert (tmp_path / "robotiq_2f_85.py").is_file()


def test_a_missing_half_of_our_own_config_is_written_again(tmp_path):
    gripper = load_gripper("robotiq_2f_85")
    assert write_gripper_config(gripper, tmp_path, overwrite=False) == "written"
    (tmp_path / "robotiq_2f_85.py").unlink()
    assert write_gripper_config(gripper, tmp_path, overwrite=False) == "written"
    assert write_gripper_config(gripper, tmp_path, overwrite=False) == "unchanged"
