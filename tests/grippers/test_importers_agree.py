"""The URDF, MJCF and USD importers read the real Robotiq 2F-85 as one hand.

The MJCF and USD are derived from airo-models' URDF (conftest.py), so any disagreement is an
importer's error: link poses must match to 1e-6 m (rotation matrix entries to 1e-6) at every
tabulated driven value, and each link's collision mesh must have the same vertices and bounds.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from gripper_descriptions import DRIVEN

from dexgen.grippers import mjcf, urdf, usd
from dexgen.grippers.description import load_model

TOL = 1e-6  # m, and unitless for rotation matrix entries: the bar for "the same body poses"
OPENINGS = 9  # driven values from open to closed, more than GraspDataGen's default 8


@pytest.fixture(scope="module")
def hands(robotiq_urdf, robotiq_mjcf, robotiq_usd):
    return {
        "urdf": urdf.load(robotiq_urdf),
        "mjcf": mjcf.load(robotiq_mjcf),
        "usd": usd.load(robotiq_usd),
    }


PAIRS = list(itertools.combinations(("urdf", "mjcf", "usd"), 2))


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_same_root_links_driven_joint_and_limits(hands, a, b):
    assert hands[a].root == hands[b].root == "base_link"
    assert sorted(hands[a].meshes) == sorted(hands[b].meshes)
    assert (
        len(hands[a].meshes) == 11
    )  # base, 2 x (outer knuckle, outer finger, inner finger, pad, inner knuckle)
    assert hands[a].driven_joint == hands[b].driven_joint == DRIVEN
    np.testing.assert_allclose(hands[a].limits, hands[b].limits, atol=TOL)


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_same_link_poses_at_every_opening(hands, a, b):
    lo, hi = hands["urdf"].limits
    worst_position = worst_rotation = 0.0
    for q in np.linspace(lo, hi, OPENINGS):
        poses_a, poses_b = hands[a].link_poses(q), hands[b].link_poses(q)
        for link in hands[a].meshes:
            worst_position = max(worst_position, np.abs(poses_a[link][:3, 3] - poses_b[link][:3, 3]).max())
            worst_rotation = max(worst_rotation, np.abs(poses_a[link][:3, :3] - poses_b[link][:3, :3]).max())
    print(f"{a} vs {b}: max position difference {worst_position:.2e} m, rotation {worst_rotation:.2e}")
    assert worst_position < TOL
    assert worst_rotation < TOL


def test_the_fingers_really_move_and_the_mimic_joints_follow(hands):
    """Agreement is only worth something if the linkage moves: the pads close by centimetres."""
    lo, hi = hands["urdf"].limits
    for hand in hands.values():
        open_, closed = hand.link_poses(lo), hand.link_poses(hi)
        gap_open = np.linalg.norm(
            open_["left_inner_finger_pad"][:3, 3] - open_["right_inner_finger_pad"][:3, 3]
        )
        gap_closed = np.linalg.norm(
            closed["left_inner_finger_pad"][:3, 3] - closed["right_inner_finger_pad"][:3, 3]
        )
        assert gap_open - gap_closed > 0.05
        # the inner finger counter-rotates (mimic -1): the pad stays parallel to the base's z axis
        for pose in (open_, closed):
            np.testing.assert_allclose(
                pose["left_inner_finger_pad"][:3, :3], open_["left_inner_finger_pad"][:3, :3], atol=TOL
            )


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_same_collision_meshes(hands, a, b):
    for link, mesh in hands[a].meshes.items():
        other = hands[b].meshes[link]
        assert len(mesh.vertices) == len(other.vertices), link
        assert len(mesh.faces) == len(other.faces), link
        np.testing.assert_allclose(mesh.bounds, other.bounds, atol=TOL, err_msg=link)


def test_same_fingers_and_no_closing_force_from_a_torque_limit(hands):
    """The pads are found from the description alone, and a revolute joint's effort (N m) is not
    passed off as a closing force (N) by any importer."""
    for name, hand in hands.items():
        assert hand.fingers == ("left_inner_finger_pad", "right_inner_finger_pad"), name
        assert hand.closing_force is None, name


def test_the_mjcf_fixture_is_mujocos_own_reading_of_the_urdf(robotiq_urdf, robotiq_mjcf, robotiq_yourdfpy):
    """MuJoCo's URDF compiler itself turns every <mimic> into a joint equality; the fixture keeps them."""
    import mujoco

    assert len(mujoco.MjSpec.from_file(str(robotiq_urdf)).equalities) == 5
    model = mujoco.MjModel.from_xml_path(str(robotiq_mjcf))
    mimics = {j.name: j.mimic for j in robotiq_yourdfpy.robot.joints if j.mimic is not None}
    assert model.neq == len(mimics) == 5
    for e in range(model.neq):
        joint = mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_JOINT, model.eq_obj1id[e])
        assert mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_JOINT, model.eq_obj2id[e]) == mimics[joint].joint
        assert model.eq_data[e, 1] == mimics[joint].multiplier
    assert model.nu == 1


def test_load_model_reads_every_format_as_the_same_hand(robotiq_urdf, robotiq_mjcf, robotiq_usd):
    """The suffix registry sends each file to its importer, and the models built from them agree."""
    models = {p.suffix: load_model(p) for p in (robotiq_urdf, robotiq_mjcf, robotiq_usd)}
    assert {m.kind for m in models.values()} == {"urdf", "mjcf", "usd"}
    ref = models[".urdf"]
    assert abs(ref.stroke - 0.085) < 0.002
    for model in models.values():
        np.testing.assert_allclose(model.openings, ref.openings, atol=TOL)
        half = dict(zip(model.bodies, model.body_poses(ref.stroke / 2), strict=True))
        for body, pose in zip(ref.bodies, ref.body_poses(ref.stroke / 2), strict=True):
            np.testing.assert_allclose(half[body], pose, atol=TOL, err_msg=f"{model.kind} {body}")
        assert model.tcp_depth() == pytest.approx(ref.tcp_depth(), abs=TOL)
