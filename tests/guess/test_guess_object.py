"""Whole-object guessing on analytic shapes, with an independent check of every label.

Collision-free: both pads touch the surface at the contacts and the bodies at the pre-grasp opening
(slightly less inflated than the clearance) do not intersect the object (manifold3d boolean).
Colliding: the bodies at the tested opening (slightly more inflated) do intersect it.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import trimesh

from dexgen.grippers.geometry import bodies, body_mesh
from dexgen.grippers.loader import load_gripper
from dexgen.guess.guesses import guess_object
from dexgen.params.guess import GuessConfig
from dexgen.records.guesses import COLLIDING, FREE, RANDOM
from dexgen.seeding import rng_for

from .conftest import analytic

G = load_gripper("robotiq_2f_85")
CFG = GuessConfig(num_collision_free_grasps=12, num_colliding_grasps=6, num_random_poses=4, max_attempts=4000)


def _overlap(mesh: trimesh.Trimesh, pose: np.ndarray, opening: float, margin: float) -> float:
    """Intersection volume (m^3) of the gripper bodies at ``opening`` (inflated by ``margin``) with ``mesh``."""
    total = 0.0
    for body in bodies(G, opening, margin=margin):
        part = body_mesh(body).apply_transform(pose)
        inter = trimesh.boolean.intersection([part, mesh], engine="manifold")
        total += inter.volume if len(inter.faces) else 0.0
    return total


@pytest.fixture(scope="module", params=["box", "cylinder", "sphere", "cone", "torus", "bowl"])
def result(request):
    mesh = analytic(request.param)
    return mesh, guess_object(mesh, G, CFG, rng_for(0, "guess", request.param))


def test_quotas_met_in_order(result):
    _, res = result
    assert res.stats["shortfall"] == {"collision_free": 0, "colliding": 0, "random": 0}
    assert list(res.labels) == [FREE] * 12 + [COLLIDING] * 6 + [RANDOM] * 4
    assert np.all(res.reasons[res.labels == FREE] == 0) and np.all(res.reasons[res.labels == COLLIDING] > 0)


def _finger_overlaps(mesh: trimesh.Trimesh, pose: np.ndarray, opening: float) -> list[float]:
    """Intersection volumes (m^3) of each clearance-inflated finger at ``opening`` with ``mesh``."""
    out = []
    for body in bodies(G, opening, margin=CFG.clearance)[1:]:
        inter = trimesh.boolean.intersection([body_mesh(body).apply_transform(pose), mesh], engine="manifold")
        out.append(inter.volume if len(inter.faces) else 0.0)
    return out


def test_free_guesses_pads_at_first_touch(result):
    """Each (inflated) pad is free at the recorded width and touches once closed a little further."""
    mesh, res = result
    for i in np.flatnonzero(res.labels == FREE):
        at = res.widths[i] + 2 * CFG.clearance
        assert max(_finger_overlaps(mesh, res.poses[i], at + 4e-5)) < 1e-12
        assert min(_finger_overlaps(mesh, res.poses[i], at - 4 * CFG.pad_tolerance)) > 0


def test_contacts_on_the_closing_line(result):
    """Contacts sit at (-w/2, 0, h) and (+w/2, 0, h) in the gripper frame (GraspGen convention)."""
    _, res = result
    free = res.labels == FREE
    local = np.einsum("nij,nkj->nki", np.linalg.inv(res.poses[free])[:, :3, :3], res.contacts[free])
    local += np.linalg.inv(res.poses[free])[:, None, :3, 3]
    w = res.widths[free]
    assert np.allclose(local[:, 0, 0], -w / 2, atol=1e-9) and np.allclose(local[:, 1, 0], w / 2, atol=1e-9)
    assert np.allclose(local[:, :, 1], 0.0, atol=1e-9) and np.allclose(local[:, 0, 2], local[:, 1, 2])
    lo, hi = G.tcp_depth - CFG.depth_offset_range[1], G.tcp_depth - CFG.depth_offset_range[0]
    assert np.all((local[:, 0, 2] >= lo - 1e-9) & (local[:, 0, 2] <= hi + 1e-9))


def test_free_guesses_do_not_intersect(result):
    mesh, res = result
    for i in np.flatnonzero(res.labels != COLLIDING):
        assert res.openings[i] > (0 if np.isnan(res.widths[i]) else res.widths[i] + 2 * CFG.clearance)
        assert _overlap(mesh, res.poses[i], res.openings[i], 0.95 * CFG.clearance) < 1e-12


def test_colliding_guesses_intersect(result):
    mesh, res = result
    for i in np.flatnonzero(res.labels == COLLIDING):
        assert _overlap(mesh, res.poses[i], res.openings[i], 1.05 * CFG.clearance) > 0


def test_object_wider_than_stroke_gives_shortfall_not_crash():
    res = guess_object(analytic("too_wide"), G, CFG, rng_for(0, "wide"))
    assert res.stats["found"]["collision_free"] == 0 and res.stats["shortfall"]["collision_free"] == 12
    assert res.stats["attempts"] == CFG.max_attempts
    assert res.stats["candidates"] == 0 and sum(res.stats["rejected"].values()) == CFG.max_attempts
    assert res.stats["rejected"]["finger_pad.stroke"] == res.stats["samplers"]["finger_pad"]["attempts"]
    assert np.all(res.labels != FREE)


def _by_sampler(res, mask):
    from dexgen.records.guesses import SAMPLERS

    return {name: int((mask & (res.samplers == i)).sum()) for i, name in enumerate(SAMPLERS)}


def test_bowl_gets_rim_grasps_one_finger_inside_one_outside():
    """The 9 cm bowl (wall 39-45 mm from its centre) is too wide to grasp across; its rim is not."""
    cfg = dataclasses.replace(CFG, num_collision_free_grasps=32)
    res = guess_object(analytic("bowl"), G, cfg, rng_for(0, "rim"))
    free = res.labels == FREE
    radius = np.linalg.norm(res.contacts, axis=2)  # pads on the closing line, from the bowl's centre
    rim = (
        free
        & (radius.min(axis=1) < 0.039 + 0.001)
        & (radius.max(axis=1) > 0.045 - 0.001)
        & (res.widths < 0.025)
    )
    assert free.sum() == 32 and rim.sum() >= 16
    assert all(n > 0 for n in list(_by_sampler(res, rim).values())[:2])  # antipodal and finger_pad both


def test_torus_gets_grasps_across_its_tube_some_with_a_finger_in_the_hole():
    """Torus 100 mm across (too wide) with a 10 mm tube: grasps straddle the tube, some closing along
    the radius with one finger in the hole."""
    cfg = dataclasses.replace(CFG, num_collision_free_grasps=32)
    res = guess_object(analytic("torus"), G, cfg, rng_for(0, "tube"))
    free = res.labels == FREE
    mid = res.contacts.mean(axis=1)
    off_tube_centre = np.hypot(np.linalg.norm(mid[:, :2], axis=1) - 0.045, mid[:, 2])
    across = free & (off_tube_centre < 0.005) & (res.widths < 0.03)
    radial = np.abs(res.poses[:, 2, 0]) < 0.5  # closing axis in the torus plane
    in_hole = across & radial & (np.linalg.norm(res.contacts[:, :, :2], axis=2).min(axis=1) < 0.040)
    assert free.sum() == 32 and across.sum() >= 28 and in_hole.sum() >= 3
