"""Gripper geometry: fingers open to the stated opening, bodies sit where the frame convention says."""

from __future__ import annotations

import numpy as np
import pytest

from dexgen.grippers.geometry import bodies, body_mesh, control_points, gripper_mesh, pad_points, swept_bodies
from dexgen.grippers.loader import gripper_names, load_gripper
from dexgen.grippers.spec import ParallelJawGripper

JAWS = [n for n in gripper_names() if isinstance(load_gripper(n), ParallelJawGripper)]


def test_every_jaw_gripper_is_tested():
    assert set(JAWS) == {"franka_panda", "onrobot_rg6", "robotiq_2f_140", "robotiq_2f_85"}


@pytest.mark.parametrize("name", JAWS)
@pytest.mark.parametrize("fraction", [0.0, 0.5, 1.0])
def test_pads_at_stated_opening(name, fraction):
    g = load_gripper(name)
    opening = g.min_opening + fraction * (g.max_opening - g.min_opening)
    by_name = {b.name: b for b in bodies(g, opening)}
    neg, pos = body_mesh(by_name["finger_neg"]), body_mesh(by_name["finger_pos"])
    # inner (pad) faces measured on the meshes, independent of how the boxes were placed
    assert np.isclose(pos.bounds[0, 0] - neg.bounds[1, 0], opening, atol=1e-12)
    assert np.isclose(pos.bounds[0, 0], opening / 2) and np.isclose(neg.bounds[1, 0], -opening / 2)
    # fingertips at fingertip_depth (+z approach), fingers symmetric about the yz plane
    assert np.isclose(pos.bounds[1, 2], g.fingertip_depth) and np.allclose(
        pos.bounds[:, 1], -neg.bounds[::-1, 1]
    )
    assert by_name["finger_pos"].joint_axis == (1.0, 0.0, 0.0)
    assert by_name["finger_neg"].moves_with == "finger_neg" and by_name["palm"].moves_with == "base"


@pytest.mark.parametrize("name", JAWS)
def test_palm_below_fingertips_and_meshes_watertight(name):
    g = load_gripper(name)
    palm = body_mesh(bodies(g)[0])
    assert np.allclose(palm.bounds[:, 2], [0.0, g.palm.size[2]])
    assert palm.bounds[1, 2] < g.fingertip_depth
    mesh = gripper_mesh(g, margin=0.001)
    assert all(m.is_watertight for m in mesh.split(only_watertight=False))
    assert np.isclose(mesh.bounds[1, 2], g.fingertip_depth + 0.001)


@pytest.mark.parametrize("name", JAWS)
def test_tcp_pad_points_on_pads(name):
    g = load_gripper(name)
    pts = pad_points(g, 0.03)
    pos = body_mesh(bodies(g, 0.03)[2])
    assert np.isclose(pts[1, 0], pos.bounds[0, 0]) and pos.bounds[0, 2] <= pts[1, 2] <= pos.bounds[1, 2]
    assert control_points(g).shape == (4, 3)


def test_margin_inflates_every_side():
    g = load_gripper("robotiq_2f_85")
    for plain, fat in zip(bodies(g, 0.04), bodies(g, 0.04, margin=0.002)):
        assert np.allclose(np.array(fat.size) - np.array(plain.size), 0.004)
        assert np.allclose(fat.pose, plain.pose)


def test_swept_finger_covers_both_openings():
    g = load_gripper("robotiq_2f_85")
    swept = body_mesh(swept_bodies(g, closed=0.02, opened=0.06)[2])
    for opening in (0.02, 0.04, 0.06):
        finger = body_mesh(bodies(g, opening)[2])
        assert np.all(finger.bounds[0] >= swept.bounds[0] - 1e-12) and np.all(
            finger.bounds[1] <= swept.bounds[1] + 1e-12
        )


def test_opening_out_of_range_refused():
    g = load_gripper("franka_panda")
    with pytest.raises(ValueError, match="outside"):
        bodies(g, 0.2)


def test_suction_bodies():
    g = load_gripper("suction_30mm")
    tube, cup = bodies(g)
    assert cup.shape == "cylinder" and np.isclose(cup.size[0], 0.015)
    assert np.isclose(body_mesh(cup).bounds[1, 2], g.depth) and np.isclose(body_mesh(tube).bounds[0, 2], 0.0)
