"""GraspGen's is_sealed, vectorised: the measured facts of grippers.md §5 and an independent per-grasp
transcription of its steps (one trimesh ray query per cup, as its code does) on random contacts."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from dexgen.grippers.loader import load_gripper
from dexgen.suction.contacts import sample_contacts
from dexgen.suction.cup import CupArray
from dexgen.suction.seal_graspgen import caster, sealed_cups

CUP = CupArray.from_gripper(load_gripper("single_suction_cup_30mm"))


def _top(mesh: trimesh.Trimesh, x: float = 0.0, gap: float = 0.001) -> np.ndarray:
    T = np.eye(4)
    T[:3, 3] = [x, 0.0, mesh.bounds[1][2] + gap]
    return T[None]


def test_flat_face_seals_at_graspgens_gaps_only():
    box = trimesh.creation.box((0.1, 0.1, 0.05))
    cast = caster(box)
    for gap, sealed in ((0.0001, True), (0.001, True), (0.0018, True), (0.0025, False), (0.01, False)):
        assert sealed_cups(cast, CUP, _top(box, gap=gap))[0, 0] == sealed, gap


def test_lip_over_an_edge_or_on_a_small_sphere_does_not_seal():
    box = trimesh.creation.box((0.1, 0.1, 0.05))
    assert not sealed_cups(caster(box), CUP, _top(box, x=0.045))[0, 0]  # 5 mm from the edge
    sphere = trimesh.creation.icosphere(subdivisions=4, radius=0.03)
    T, _, _ = sample_contacts(sphere, CUP, 50, np.random.default_rng(0))
    assert not sealed_cups(caster(sphere), CUP, T).any()  # GraspGen: 30 mm spheres never seal


def _reference(mesh: trimesh.Trimesh, T: np.ndarray) -> bool:
    """GraspGen's is_sealed for one cup at identity, step by step, one grasp at a time."""
    rays = trimesh.ray.ray_pyembree.RayMeshIntersector(mesh, scale_to_box=True)
    down = np.tile(-T[:3, 2], (len(CUP.holes), 1))
    hits, _, _ = rays.intersects_location(trimesh.transform_points(CUP.holes, T), down, multiple_hits=False)
    if len(hits) != len(CUP.holes):
        return False
    origins = trimesh.transform_points(CUP.ring, T)
    loc, idx, _ = rays.intersects_location(
        origins, np.tile(-T[:3, 2], (len(origins), 1)), multiple_hits=False
    )
    if len(loc) != len(origins):
        return False
    ring = np.empty_like(loc)
    ring[idx] = loc
    apex = T[:3, 3] - min(0.0, np.sum((ring - T[:3, 3]) @ T[:3, 2]) / len(ring) - CUP.height) * T[:3, 2]
    n = len(ring)
    rest = CUP.rest_lengths()
    springs = (
        [np.linalg.norm(ring[i] - ring[(i + 1) % n]) for i in range(n)],
        [np.linalg.norm(ring[i] - ring[(i + 2) % n]) for i in range(n)],
        [np.linalg.norm(ring[i] - apex) for i in range(n)],
    )
    return all(r0 * 0.9 <= length <= r0 * 1.1 for lengths, r0 in zip(springs, rest) for length in lengths)


@pytest.mark.parametrize(
    "mesh",
    [
        trimesh.creation.box((0.06, 0.04, 0.08)),
        trimesh.creation.cylinder(radius=0.1, height=0.05, sections=64),
        trimesh.creation.annulus(r_min=0.01, r_max=0.05, height=0.03),
    ],
    ids=["box", "wide_cylinder", "annulus"],
)
def test_matches_a_per_grasp_transcription(mesh):
    T, _, _ = sample_contacts(mesh, CUP, 120, np.random.default_rng(3))
    ours = sealed_cups(caster(mesh), CUP, T)[:, 0]
    ref = np.array([_reference(mesh, t) for t in T])
    assert ours.any() and not ours.all()  # both outcomes are exercised
    np.testing.assert_array_equal(ours, ref)
