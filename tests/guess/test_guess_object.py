"""Whole-object guessing on analytic shapes, with an independent check of every label.

Collision-free: both pads touch the surface at the contacts and the bodies at the pre-grasp opening
(slightly less inflated than the clearance) do not intersect the object (manifold3d boolean).
Colliding: the bodies at the tested opening (slightly more inflated) do intersect it.
"""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from dexgen.grippers.geometry import bodies, body_mesh, pad_points
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


@pytest.fixture(scope="module", params=["box", "cylinder", "sphere"])
def result(request):
    mesh = analytic(request.param)
    return mesh, guess_object(mesh, G, CFG, rng_for(0, "guess", request.param))


def test_quotas_met_in_order(result):
    _, res = result
    assert res.stats["shortfall"] == {"collision_free": 0, "colliding": 0, "random": 0}
    assert list(res.labels) == [FREE] * 12 + [COLLIDING] * 6 + [RANDOM] * 4
    assert np.all(res.reasons[res.labels == FREE] == 0) and np.all(res.reasons[res.labels == COLLIDING] > 0)


def test_free_guesses_pads_on_surface(result):
    mesh, res = result
    for i in np.flatnonzero(res.labels == FREE):
        pads = pad_points(G, res.widths[i], depth=0.0)
        local = np.linalg.inv(res.poses[i]) @ np.append(res.contacts[i, 0], 1)
        pads[:, 2] = local[2]  # the contact depth along the pads
        world = pads @ res.poses[i][:3, :3].T + res.poses[i][:3, 3]
        _, dist, _ = trimesh.proximity.closest_point(mesh, world)
        assert dist.max() < 1e-5


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
    assert res.stats["rejected"]["stroke"] > 0.9 * CFG.max_attempts
    assert np.all(res.labels != FREE)
