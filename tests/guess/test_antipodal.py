"""Antipodal sampler properties on analytic shapes, checked against the mesh and the frame convention."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from dexgen.grippers.loader import load_gripper
from dexgen.guess.antipodal import sample_antipodal, sample_in_cone
from dexgen.seeding import rng_for

from .conftest import analytic

GRIPPER = load_gripper("robotiq_2f_85")
MU, CLEARANCE, OFFSETS = 0.5, 0.002, (0.0, 0.01)


@pytest.fixture(params=["box", "cylinder", "sphere"])
def candidates(request):
    mesh = analytic(request.param)
    cand = sample_antipodal(
        mesh,
        GRIPPER,
        400,
        rng_for(0, "test", request.param),
        friction_coef=MU,
        clearance=CLEARANCE,
        depth_offset_range=OFFSETS,
        axis_cone_fraction=0.5,
    )
    assert len(cand.widths) > 50
    return mesh, cand


def test_contacts_on_surface(candidates):
    mesh, cand = candidates
    _, dist, _ = trimesh.proximity.closest_point(mesh, cand.contacts.reshape(-1, 3))
    assert dist.max() < 1e-5


def test_normals_within_friction_cone(candidates):
    _, cand = candidates
    x = cand.poses[:, :3, 0]
    cos = np.cos(np.arctan(MU)) - 1e-9
    assert np.all(np.einsum("ij,ij->i", x, -cand.normals[:, 0]) >= cos)  # finger_neg pushes along +x
    assert np.all(np.einsum("ij,ij->i", x, cand.normals[:, 1]) >= cos)  # finger_pos pushes along -x


def test_width_within_stroke(candidates):
    _, cand = candidates
    assert np.all(cand.widths >= GRIPPER.min_opening)
    assert np.all(cand.widths + 2 * CLEARANCE < GRIPPER.max_opening)
    assert np.allclose(cand.widths, np.linalg.norm(cand.contacts[:, 1] - cand.contacts[:, 0], axis=1))


def test_frames_orthonormal_right_handed(candidates):
    _, cand = candidates
    rot = cand.poses[:, :3, :3]
    assert np.allclose(rot @ rot.transpose(0, 2, 1), np.eye(3), atol=1e-9)
    assert np.allclose(np.linalg.det(rot), 1.0)
    assert np.allclose(cand.poses[:, 3], [0, 0, 0, 1])


def test_graspgen_convention_closing_x_approach_z(candidates):
    """Contacts sit at (-w/2, 0, h) and (+w/2, 0, h) in the gripper base frame, h behind the TCP."""
    _, cand = candidates
    inv = np.linalg.inv(cand.poses)
    local = np.einsum("nij,nkj->nki", inv[:, :3, :3], cand.contacts) + inv[:, None, :3, 3]
    w = cand.widths
    assert np.allclose(local[:, 0, 0], -w / 2, atol=1e-9) and np.allclose(local[:, 1, 0], w / 2, atol=1e-9)
    assert np.allclose(local[:, :, 1], 0.0, atol=1e-9)
    h = local[:, 0, 2]
    assert np.allclose(local[:, 1, 2], h)
    assert np.all(h <= GRIPPER.tcp_depth + 1e-9) and np.all(h >= GRIPPER.tcp_depth - OFFSETS[1] - 1e-9)


def test_rolls_cover_the_circle(candidates):
    """Roll about the closing axis is random: approach directions are not all alike."""
    _, cand = candidates
    z = cand.poses[:, :3, 2]
    assert np.linalg.norm(z.mean(axis=0)) < 0.5


def test_cone_sampling_stays_in_cone():
    rng = np.random.default_rng(1)
    axis = np.tile([0.0, 0.0, 1.0], (1000, 1))
    d = sample_in_cone(axis, 0.3, rng)
    assert np.allclose(np.linalg.norm(d, axis=1), 1) and np.all(d[:, 2] >= np.cos(0.3) - 1e-12)
    assert d[:, 2].min() < np.cos(0.25)  # reaches the rim


def test_same_rng_same_candidates():
    mesh = analytic("cylinder")
    a, b = (
        sample_antipodal(
            mesh,
            GRIPPER,
            200,
            rng_for(3, "x"),
            friction_coef=MU,
            clearance=CLEARANCE,
            depth_offset_range=OFFSETS,
        )
        for _ in range(2)
    )
    assert np.array_equal(a.poses, b.poses) and a.rejected == b.rejected
