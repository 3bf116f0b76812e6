"""URDF importer and pointer YAMLs: hands the tests never saw go through ``load_model``; every refusal
is an InputError naming the file and the link or joint at fault."""

from __future__ import annotations

import logging

import airo_models
import numpy as np
import pytest
import yaml
from tiny_hands import SLIDE_CLOSED, SLIDE_FORCE, SLIDE_OPEN, write_hand

from dexgen.errors import InputError
from dexgen.grippers import urdf
from dexgen.grippers.description import IMPORTERS, load_model


def test_a_prismatic_urdf_alone_is_a_model(tmp_path):
    model = load_model(write_hand(tmp_path))
    assert model.kind == "urdf" and model.name == "slide"
    assert model.stroke == pytest.approx(SLIDE_OPEN, abs=1e-6)
    assert model.min_opening == pytest.approx(SLIDE_CLOSED, abs=1e-6)  # the joint limit ends it
    assert model.closing_force == SLIDE_FORCE  # a prismatic joint's effort is a force
    assert [p.body for p in model.pads] == ["left_finger", "right_finger"]  # the mimic tree's leaves
    # the pads slide: bite points at -+opening/2, at the finger's middle (default bite = half a pad)
    for opening in (SLIDE_OPEN, 0.05, SLIDE_CLOSED):
        points = model.bite_points(opening)
        assert points[:, 0] == pytest.approx([-opening / 2, opening / 2], abs=1e-6)
        assert points[:, 2] == pytest.approx([0.1, 0.1], abs=1e-6)


def test_the_frame_is_found_from_the_fingers(tmp_path):
    model = load_model(write_hand(tmp_path))
    palm = model.body_poses(0.05)[model.bodies.index("palm")]
    assert np.allclose(palm, np.eye(4), atol=1e-9)  # root link frame = base: x closing, z approach
    swapped = urdf.load(write_hand(tmp_path), fingers=("right_finger", "left_finger"))
    assert swapped.fingers == ("right_finger", "left_finger")


def test_real_2f_85_urdf_infers_its_pad_links():
    art = urdf.load(airo_models.get_urdf_path("robotiq_2f_85"))
    assert art.fingers == ("left_inner_finger_pad", "right_inner_finger_pad")
    assert art.driven_joint == "finger_joint" and art.limits == (0.0, 0.8)
    assert art.closing_force is None  # its effort is a torque, not a force
    poses = art.link_poses(0.4)  # the mimic joints follow: the two pads mirror each other
    left, right = poses["left_inner_finger_pad"][:3, 3], poses["right_inner_finger_pad"][:3, 3]
    assert np.allclose(left[:2], -right[:2], atol=1e-9) and abs(left[2] - right[2]) < 1e-9
    assert np.linalg.norm(left - art.link_poses(0.0)["left_inner_finger_pad"][:3, 3]) > 0.005


def test_yourdfpy_noise_stays_off_the_log(caplog):
    with caplog.at_level(logging.INFO):
        urdf.load(airo_models.get_urdf_path("robotiq_2f_85"))  # its drake: tags make yourdfpy complain
    assert not [r for r in caplog.records if r.levelno >= logging.INFO]


def test_hash_covers_the_meshes(tmp_path):
    path = write_hand(tmp_path)
    before = urdf.load(path).sha256
    (tmp_path / "meshes" / "right.stl").write_bytes((tmp_path / "meshes" / "palm.stl").read_bytes())
    assert urdf.load(path).sha256 != before


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"one_finger": True}, ["no finger links found"]),
        ({"limits": False}, ["'finger_joint'", "no usable limits"]),
        ({"kind": "curl", "limits": False}, ["'finger_joint'", "no usable limits"]),
        ({"missing_mesh": True}, ["'right_finger'", "meshes/right.stl", "not found"]),
        ({"mimic": -1.0}, ["fingers never close", "'finger_joint'", "'left_finger'"]),
        ({"fingers_z": 0.0}, ["approach axis", "'palm'"]),
    ],
)
def test_refusals_name_the_file_and_the_part(tmp_path, options, words):
    path = write_hand(tmp_path, **options)
    with pytest.raises(InputError) as err:
        load_model(path)
    message = str(err.value)
    assert message.startswith(str(path)) and "\n" not in message
    for word in words:
        assert word in message


def _pointer(tmp_path, **fields) -> str:
    write_hand(tmp_path / "desc")
    path = tmp_path / "hand.yaml"
    path.write_text(yaml.safe_dump({"description": "desc/slide.urdf", **fields}))
    return str(path)


def test_a_pointer_yaml_adds_what_the_description_lacks(tmp_path):
    path = _pointer(
        tmp_path,
        name="my_slide",
        bite=0.01,
        closing_force=40.0,
        openings=9,
        closed=0.03,
        frame={"xyz": [0.0, 0.0, 0.02], "rpy": [0.0, 0.0, 0.0]},
    )
    model = load_model(path)
    assert model.name == "my_slide" and model.source == path and model.closing_force == 40.0
    assert len(model.openings) == 9 and model.min_opening == pytest.approx(0.03, abs=1e-6)
    assert model.tcp_depth() == pytest.approx(0.1 + 0.025 - 0.01 - 0.02, abs=1e-6)  # tip - bite - shift
    assert model.sha256 != load_model(tmp_path / "desc" / "slide.urdf").sha256


def test_a_frame_correction_turns_the_base(tmp_path):
    model = load_model(_pointer(tmp_path, frame={"rpy": [0.0, 0.0, float(np.pi)]}))
    palm = model.body_poses(0.05)[model.bodies.index("palm")]
    assert np.allclose(palm[:3, :3], np.diag([-1.0, -1.0, 1.0]), atol=1e-9)
    assert [p.body for p in model.pads] == ["right_finger", "left_finger"]  # the -x finger first
    assert model.stroke == pytest.approx(SLIDE_OPEN, abs=1e-6)


def test_a_pointer_yaml_names_fingers_the_file_does_not_imply(tmp_path):
    write_hand(tmp_path / "desc", one_finger=True)
    path = tmp_path / "hand.yaml"
    path.write_text(
        yaml.safe_dump({"description": "desc/slide.urdf", "fingers": ["left_finger", "right_finger"]})
    )
    model = load_model(path)
    assert model.stroke == pytest.approx(SLIDE_OPEN, abs=1e-6)
    assert model.min_opening == pytest.approx(SLIDE_OPEN - 0.04, abs=1e-6)  # only one finger moves


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"fingers": ["left_finger", "thumb"]}, ["'thumb'", "collision geometry"]),
        ({"driven_joint": "wrist"}, ["'wrist'", "does not exist"]),
        ({"driven_joint": "left_joint"}, ["'left_joint'", "follows 'finger_joint'"]),
        ({"colour": "red"}, ["colour"]),
        ({"bite": 0.2}, ["bite 0.2 m", "'left_finger'"]),
        ({"bite": -0.01}, ["hand.yaml", "bite must be >= 0"]),
        ({"openings": 1}, ["hand.yaml", "openings must be at least 2"]),
        ({"description": "nowhere.urdf"}, ["nowhere.urdf", "not found"]),
    ],
)
def test_bad_pointer_yamls_are_refused(tmp_path, fields, words):
    path = _pointer(tmp_path, **fields)
    with pytest.raises(InputError) as err:
        load_model(path)
    assert "\n" not in str(err.value)
    for word in words:
        assert word in str(err.value)


def test_unknown_suffix_lists_the_formats(tmp_path):
    with pytest.raises(InputError, match=r"\.urdf"):
        load_model(tmp_path / "hand.step")
    assert ".urdf" in IMPORTERS
