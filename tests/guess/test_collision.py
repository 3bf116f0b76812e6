"""Collision check against constructed answers: a box object with poses built to be free, hit the palm,
hit a finger, or sit wholly inside / around the object."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from dexgen.grippers.loader import load_gripper
from dexgen.guess.collision import GripperCollider
from dexgen.records.guesses import FINGER, NONE, PALM

G = load_gripper("robotiq_2f_85")
CUBE = 0.04  # m, object edge; fits the 85 mm stroke
CLEARANCE = 0.002


def top_down(depth: float) -> np.ndarray:
    """Base pose above the cube centre, approach -z (world), closing +x; the centre at ``depth`` on +z."""
    pose = np.diag([1.0, -1.0, -1.0, 1.0])
    pose[:3, 3] = (0.0, 0.0, depth)
    return pose


@pytest.fixture(scope="module")
def collider():
    return GripperCollider(
        trimesh.creation.box(extents=(CUBE,) * 3), G, clearance=CLEARANCE, opening_steps=32
    )


def test_free_grasp_on_cube(collider):
    openings, reasons = collider.check(top_down(G.tcp_depth)[None], np.array([CUBE]))
    assert reasons[0] == NONE and openings[0] == G.max_opening


def test_palm_hits_when_pushed_too_deep(collider):
    # palm top (+ clearance) is at z = 0.0944 + 0.002 in the base frame; put it 1 cm into the cube top
    depth = CUBE / 2 + G.palm.size[2] + CLEARANCE - 0.01
    _, reasons = collider.check(top_down(depth)[None], np.array([CUBE]))
    assert reasons[0] == PALM


def test_palm_clearance_margin(collider):
    # the palm face 1 mm from the cube top: free without a margin, colliding with the 2 mm margin
    depth = CUBE / 2 + G.palm.size[2] + 0.001
    _, reasons = collider.check(top_down(depth)[None], np.array([CUBE]))
    assert reasons[0] == PALM
    bare = GripperCollider(trimesh.creation.box(extents=(CUBE,) * 3), G, clearance=0.0, opening_steps=32)
    assert bare.check(top_down(depth)[None], np.array([CUBE]))[1][0] == NONE


def test_fingers_hit_when_closing_inside_the_object(collider):
    # claim contacts 2 cm apart on a 4 cm cube: the fingers must sweep through the object
    _, reasons = collider.check(top_down(G.tcp_depth)[None], np.array([0.02]))
    assert reasons[0] == FINGER


def test_pregrasp_narrows_next_to_an_obstacle():
    """A wall beside the cube blocks the fully open finger; the widest free sweep is chosen instead."""
    cube = trimesh.creation.box(extents=(CUBE,) * 3)
    wall = trimesh.creation.box(extents=(0.01, 0.2, CUBE)).apply_translation((CUBE / 2 + 0.025, 0, 0))
    col = GripperCollider(trimesh.util.concatenate([cube, wall]), G, clearance=CLEARANCE, opening_steps=32)
    openings, reasons = col.check(top_down(G.tcp_depth)[None], np.array([CUBE]))
    assert reasons[0] == NONE
    # the +x finger's back (pad + thickness + clearance) must stay short of the wall at x = 0.040
    assert CUBE + 2 * CLEARANCE < openings[0] < G.max_opening
    assert openings[0] / 2 + G.finger.thickness + CLEARANCE <= 0.040
    assert openings[0] + (G.max_opening - G.min_opening) / 31 > 2 * (0.040 - G.finger.thickness - CLEARANCE)


def test_gripper_inside_a_large_object_collides():
    big = trimesh.creation.box(extents=(1.0, 1.0, 1.0))
    col = GripperCollider(big, G, clearance=CLEARANCE, opening_steps=8)
    assert col.check_open(top_down(0.1)[None])[0] != NONE


def test_object_inside_the_palm_collides():
    tiny = trimesh.creation.box(extents=(0.005,) * 3)
    col = GripperCollider(tiny, G, clearance=CLEARANCE, opening_steps=8)
    assert col.check_open(top_down(0.05)[None])[0] == PALM  # tiny cube at z = 0.05 in the palm


def test_far_away_pose_is_free(collider):
    assert collider.check_open(top_down(1.0)[None])[0] == NONE
