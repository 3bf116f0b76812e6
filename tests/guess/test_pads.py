"""Pad settling: flush on flat faces, backed off inside concave ones, blocked where no finger fits."""

from __future__ import annotations

import fcl
import numpy as np
import pytest
import trimesh

from dexgen.grippers.loader import load_gripper
from dexgen.guess.collision import bvh
from dexgen.guess.pads import PadSettler

G = load_gripper("robotiq_2f_85")
C, TOL = 0.002, 0.00025


def _settler(mesh: trimesh.Trimesh, steps: int = 16) -> PadSettler:
    target = fcl.CollisionObject(bvh(mesh), fcl.Transform())
    return PadSettler(mesh, target, G, clearance=C, step=0.001, steps=steps, tolerance=TOL)


def _frame(x, z) -> np.ndarray:
    x, z = np.asarray(x, float), np.asarray(z, float)
    return np.stack([x, np.cross(z, x), z], axis=1)[None]


def test_flat_faces_need_no_back_off():
    """Closing across a 40 mm box along its normal: both pads sit within TOL of flush, one check each."""
    box = trimesh.creation.box(extents=(0.04, 0.05, 0.06))
    s = _settler(box)
    near, far = s.settle(
        np.array([[-0.02, 0.0, 0.0]]), _frame([1, 0, 0], [0, 0, 1]), np.array([G.tcp_depth]), np.array([0.04])
    )
    assert near[0] == pytest.approx(-TOL) and far[0] == pytest.approx(0.04 + TOL)
    assert s.checks == 2


def test_concave_surface_backs_the_pad_off_to_first_touch():
    """Inside a pipe (r = 39 mm) a flat 22 mm pad tangent at a point digs in by about 11^2 / (2 * 39)
    = 1.6 mm at its edges (plus the clearance): it backs off until free and stops within TOL of touching."""
    pipe = trimesh.creation.annulus(r_min=0.039, r_max=0.045, height=0.2, sections=256)
    s = _settler(pipe)
    rot = _frame([1, 0, 0], [0, 0, 1])  # finger_neg inside the pipe, closing out through the wall
    point = np.array([[0.039, 0.0, 0.0]])
    near, far = s.settle(point, rot, np.array([G.tcp_depth]), np.array([0.006]))
    sag = 0.039 - np.sqrt(0.039**2 - (G.finger.width / 2 + C) ** 2)
    assert near[0] == pytest.approx(-sag, abs=2 * TOL)
    assert far[0] == pytest.approx(0.006, abs=2 * TOL)  # the outer (convex) side is flush
    free = s._free(point[0], rot[0], G.tcp_depth, near[0], -1)
    touching = s._free(point[0], rot[0], G.tcp_depth, near[0] + 2 * TOL, -1)
    assert free and not touching


def test_no_room_for_the_finger_drops_the_sample():
    """A slot 5 mm wide cannot take a 9 mm finger (13 mm with clearance): within 4 steps the pad never
    gets free. (Further out it would sit wholly inside the far block, which fcl, seeing surfaces only,
    calls free; the collision check's containment test labels such grasps colliding.)"""
    left = trimesh.creation.box(extents=(0.03, 0.1, 0.2))
    left.apply_translation([-0.0175, 0, 0])
    right = left.copy()
    right.apply_translation([0.035, 0, 0])  # the gap is x in [-2.5, 2.5] mm
    s = _settler(trimesh.util.concatenate([left, right]), steps=4)
    near, far = s.settle(
        np.array([[-0.0025, 0.0, 0.0]]),
        _frame([-1, 0, 0], [0, 0, 1]),
        np.array([G.tcp_depth]),
        np.array([0.03]),
    )
    assert np.isnan(near[0]) and np.isnan(far[0])


def test_step_must_be_thinner_than_the_finger():
    with pytest.raises(ValueError, match="finger thickness"):
        box = trimesh.creation.box()
        PadSettler(
            box,
            fcl.CollisionObject(bvh(box), fcl.Transform()),
            G,
            clearance=C,
            step=0.02,
            steps=4,
            tolerance=TOL,
        )
