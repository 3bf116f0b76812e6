"""Collision check against constructed answers: a box object with poses built to be free, hit the palm,
hit a finger, or sit wholly inside / around the object."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from dexgen.grippers.geometry import body_mesh
from dexgen.grippers.loader import load_gripper
from dexgen.guess.candidates import sample_candidates
from dexgen.guess.collision import GripperCollider
from dexgen.guess.pads import PadSettler
from dexgen.params.guess import GuessConfig
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


def _reference(
    col: GripperCollider, mesh: trimesh.Trimesh, pose: np.ndarray, width: float
) -> tuple[int, int]:
    """(opening index, reason) the slow, obvious way: every ladder opening scanned, each body a
    triangle mesh tested by trimesh's collision manager."""
    manager = trimesh.collision.CollisionManager()
    manager.add_object("object", mesh)
    top = len(col.openings) - 1
    k = int(np.searchsorted(col.openings, width + 2 * CLEARANCE, side="right"))

    def hits(bodies) -> bool:
        return any(manager.in_collision_single(body_mesh(b), transform=pose) for b in bodies)

    palm, *fingers = col._bodies(k, k)
    if hits([palm]):
        return k, PALM
    if hits(fingers):
        return k, FINGER
    free = [j for j in range(k, top + 1) if not hits(col._bodies(k, j)[1:])]
    j = max(j for j in free if all(f in free for f in range(k, j + 1)))  # widest contiguous free
    return j, int(col._containment(pose[None], [col._bodies(k, j)])[0])


def test_check_matches_a_brute_force_reference():
    """Per-body primitives, palm-first order and bisection give what scanning every opening with the
    gripper as triangle meshes gives, on sampled grasps on a ring and poses scattered around it (all
    three outcomes and narrowed pre-grasps occur)."""
    # a ring so small that the finger in its hole, opened wide, meets the far side
    torus = trimesh.creation.torus(
        major_radius=0.025, minor_radius=0.008, major_sections=48, minor_sections=16
    )
    col = GripperCollider(torus, G, clearance=CLEARANCE, opening_steps=16)
    cfg = GuessConfig()
    settler = PadSettler(
        torus,
        col.target,
        G,
        clearance=CLEARANCE,
        step=cfg.pad_step,
        steps=cfg.pad_steps,
        tolerance=cfg.pad_tolerance,
    )
    rng = np.random.default_rng(0)
    grasps = sample_candidates(torus, G, 150, rng, cfg, settler)
    n = 60
    scattered = np.array([trimesh.transformations.random_rotation_matrix(rng.random(3)) for _ in range(n)])
    scattered[:, :3, 3] = rng.normal(scale=0.05, size=(n, 3))
    # the same grasps claimed half as wide: the fingers must close through the tube
    poses = np.concatenate([grasps.poses, grasps.poses[:40], scattered])
    widths = np.concatenate([grasps.widths, grasps.widths[:40] / 2, rng.uniform(0.005, 0.06, size=n)])
    openings, reasons = col.check(poses, widths)
    expected = [_reference(col, torus, p, w) for p, w in zip(poses, widths)]
    assert reasons.tolist() == [r for _, r in expected]
    assert openings.tolist() == [col.openings[j] for j, _ in expected]
    assert {NONE, PALM, FINGER} <= set(reasons.tolist())
    assert (openings[reasons == NONE] < G.max_opening).any()  # some pre-grasps were narrowed
