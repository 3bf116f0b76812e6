"""The MJCF importer on grippers the 2F-85 fixture does not exercise, and what it refuses."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from dexgen.errors import InputError
from dexgen.grippers import mjcf
from dexgen.grippers.importers import IMPORTERS

# Two prismatic fingers, the right one coupled to the left by a joint equality (q_r = q_l), a
# force-limited position actuator on the left one: a gripper written by hand, never derived from a URDF.
SLIDER = """
<mujoco model="slider">
  <worldbody>
    <body name="palm">
      <geom type="box" size="0.04 0.01 0.02"/>
      <geom type="box" size="0.01 0.01 0.01" pos="0 0 -0.03" contype="0" conaffinity="0"/>
      <body name="left" pos="0.03 0 0.04">
        <joint name="left_slide" type="slide" axis="-1 0 0" {range}/>
        <geom type="box" size="0.005 0.01 0.02"/>
      </body>
      <body name="right" pos="-0.03 0 0.04">
        <joint name="right_slide" type="slide" axis="1 0 0" range="0 0.03"/>
        <geom type="capsule" size="0.005 0.02"/>
      </body>
    </body>
  </worldbody>
  <equality><joint joint1="right_slide" joint2="left_slide" polycoef="0 1 0 0 0"/></equality>
  {actuator}
</mujoco>
"""
ACTUATOR = (
    '<actuator><position joint="left_slide" kp="100" forcelimited="true" forcerange="-40 40"/></actuator>'
)


def _write(tmp_path, text, name="gripper.xml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_hand_written_prismatic_gripper_with_a_joint_equality(tmp_path):
    hand = mjcf.load(_write(tmp_path, SLIDER.format(range='range="0 0.025"', actuator=ACTUATOR)))
    assert hand.root == "palm"
    assert hand.driven_joint == "left_slide"
    assert hand.limits == (0.0, 0.025)
    assert hand.closing_force == pytest.approx(40.0)
    assert sorted(hand.meshes) == ["left", "palm", "right"]
    assert hand.fingers == ("left", "right")  # the two moving bodies with geometry and nothing below
    # the visual-only geom (contype=conaffinity=0) is not a collider: the palm is one box
    np.testing.assert_allclose(
        hand.meshes["palm"].bounds, [[-0.04, -0.01, -0.02], [0.04, 0.01, 0.02]], atol=1e-12
    )
    for q in (0.0, 0.01, 0.025):
        poses = hand.link_poses(q)
        np.testing.assert_allclose(poses["left"][:3, 3], [0.03 - q, 0, 0.04], atol=1e-12)
        np.testing.assert_allclose(poses["right"][:3, 3], [-0.03 + q, 0, 0.04], atol=1e-12)
    assert IMPORTERS[".xml"] is mjcf.load


def test_overrides_name_the_driven_joint_fingers_and_force(tmp_path):
    path = _write(tmp_path, SLIDER.format(range='range="0 0.025"', actuator=""))
    hand = mjcf.load(path, driven_joint="left_slide", fingers=("left", "right"), closing_force=12.0)
    assert (hand.driven_joint, hand.fingers, hand.closing_force) == ("left_slide", ("left", "right"), 12.0)
    other = mjcf.load(path, driven_joint="right_slide")  # the equality's dependent side, solved backwards
    np.testing.assert_allclose(other.link_poses(0.02)["left"][:3, 3], [0.01, 0, 0.04], atol=1e-12)
    with pytest.raises(InputError, match=r"gripper\.xml: finger body 'thumb' has no collision geometry"):
        mjcf.load(path, driven_joint="left_slide", fingers=("left", "thumb"))
    with pytest.raises(InputError, match=r"gripper\.xml: driven joint 'elbow' is not a joint"):
        mjcf.load(path, driven_joint="elbow")


# A parallelogram four-bar: two equal cranks on the palm, a coupler hinged to crank A and pinned to
# crank B's tip by a connect equality. Only crank A is driven; MuJoCo's constraint must close the
# loop, and then the coupler translates without turning.
FOUR_BAR = """
<mujoco model="four_bar">
  <worldbody>
    <body name="palm">
      <geom type="box" size="0.03 0.01 0.01"/>
      <body name="crank_a" pos="-0.01 0 0">
        <joint name="drive" type="hinge" axis="0 1 0" range="-0.6 0.6"/>
        <geom type="capsule" fromto="0 0 0 0 0 0.05" size="0.003"/>
        <body name="coupler" pos="0 0 0.05">
          <joint name="knee" type="hinge" axis="0 1 0"/>
          <geom type="box" size="0.015 0.005 0.003" pos="0.01 0 0"/>
        </body>
      </body>
      <body name="crank_b" pos="0.01 0 0">
        <joint name="follower" type="hinge" axis="0 1 0"/>
        <geom type="capsule" fromto="0 0 0 0 0 0.05" size="0.003"/>
      </body>
    </body>
  </worldbody>
  <equality>{loop}</equality>
  <actuator><position joint="drive" kp="10"/></actuator>
</mujoco>
"""
CLOSED = '<connect body1="coupler" body2="crank_b" anchor="0.02 0 0"/>'


def test_a_closed_loop_is_closed_by_mujoco_not_by_hand(tmp_path):
    hand = mjcf.load(_write(tmp_path, FOUR_BAR.format(loop=CLOSED)))
    for q in np.linspace(-0.6, 0.6, 7):
        poses = hand.link_poses(q)
        np.testing.assert_allclose(poses["coupler"][:3, :3], np.eye(3), atol=1e-9)  # parallelogram: no turn
        np.testing.assert_allclose(poses["crank_b"][:3, :3], poses["crank_a"][:3, :3], atol=1e-9)
        np.testing.assert_allclose(
            poses["coupler"][:3, 3], [-0.01 + 0.05 * np.sin(q), 0, 0.05 * np.cos(q)], atol=1e-9
        )


def test_without_the_loop_constraint_the_coupler_does_not_follow(tmp_path):
    """The counter-test: the closed-loop result above comes from the connect equality."""
    hand = mjcf.load(_write(tmp_path, FOUR_BAR.format(loop="")))
    poses = hand.link_poses(0.6)
    assert np.abs(poses["coupler"][:3, :3] - np.eye(3)).max() > 0.1  # it turns with crank A
    assert np.abs(poses["crank_b"][:3, :3] - np.eye(3)).max() < 1e-12  # and crank B stays put


def test_mesh_geoms_and_the_hash_follow_the_mesh_file(tmp_path):
    trimesh.creation.box(extents=(0.02, 0.01, 0.04)).export(tmp_path / "finger.obj")
    text = SLIDER.format(range='range="0 0.025"', actuator=ACTUATOR).replace(
        '<geom type="box" size="0.005 0.01 0.02"/>', '<geom type="mesh" mesh="finger"/>'
    )
    text = text.replace("<worldbody>", '<asset><mesh name="finger" file="finger.obj"/></asset><worldbody>')
    path = _write(tmp_path, text)
    hand = mjcf.load(path)
    assert len(hand.meshes["left"].vertices) == 8
    np.testing.assert_allclose(
        hand.meshes["left"].bounds, [[-0.01, -0.005, -0.02], [0.01, 0.005, 0.02]], atol=1e-7
    )
    trimesh.creation.box(extents=(0.02, 0.01, 0.05)).export(tmp_path / "finger.obj")
    assert mjcf.load(path).sha256 != hand.sha256


def test_refuses_a_driven_joint_without_limits(tmp_path):
    path = _write(tmp_path, SLIDER.format(range="", actuator=ACTUATOR))
    with pytest.raises(InputError, match=r"gripper\.xml: driven joint 'left_slide' has no range"):
        mjcf.load(path)


def test_refuses_a_missing_mesh_file(tmp_path):
    text = SLIDER.format(range='range="0 0.025"', actuator=ACTUATOR)
    text = text.replace(
        "<worldbody>", '<asset><mesh name="finger" file="no_such_finger.obj"/></asset><worldbody>'
    )
    text = text.replace('<geom type="box" size="0.005 0.01 0.02"/>', '<geom type="mesh" mesh="finger"/>')
    with pytest.raises(
        InputError, match=r"gripper\.xml: MuJoCo cannot compile it: .*no_such_finger\.obj"
    ) as err:
        mjcf.load(_write(tmp_path, text))
    assert "\n" not in str(err.value)


def test_refuses_a_gripper_no_actuator_drives(tmp_path):
    with pytest.raises(InputError, match=r"gripper\.xml: no actuator drives a joint .*driven_joint"):
        mjcf.load(_write(tmp_path, SLIDER.format(range='range="0 0.025"', actuator="")))


def test_refuses_two_driven_joints_and_a_plane_on_the_gripper(tmp_path):
    two = ACTUATOR.replace("</actuator>", '<position joint="right_slide" kp="100"/></actuator>')
    with pytest.raises(
        InputError, match=r"gripper\.xml: actuators drive several joints \['left_slide', 'right_slide'\]"
    ):
        mjcf.load(_write(tmp_path, SLIDER.format(range='range="0 0.025"', actuator=two)))
    plane = SLIDER.format(range='range="0 0.025"', actuator=ACTUATOR).replace(
        '<body name="left"', '<geom name="floor" type="plane" size="1 1 1"/><body name="left"'
    )
    with pytest.raises(InputError, match=r"gripper\.xml: geom 'floor' of body 'palm' is a plane"):
        mjcf.load(_write(tmp_path, plane))
