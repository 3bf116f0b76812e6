"""Uniformly random collision-free gripper poses near the object: the simulator's negative control.

These are not grasps: a TCP uniform in the object's bounding box grown by a margin, an orientation
uniform on SO(3), fingers fully open. Kept only if collision-free, so the simulator sees poses that
are plausible to start from but carry no antipodal reasoning.
"""

from __future__ import annotations

import numpy as np
import trimesh

from dexgen.grippers.spec import ParallelJawGripper
from dexgen.guess.collision import GripperCollider
from dexgen.records.guesses import NONE


def random_rotations(count: int, rng: np.random.Generator) -> np.ndarray:
    """(count, 3, 3) rotations uniform on SO(3) (normalised Gaussian quaternions)."""
    q = rng.normal(size=(count, 4))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    w, x, y, z = q.T
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], axis=1),
            np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], axis=1),
            np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], axis=1),
        ],
        axis=1,
    )


def sample_random_poses(
    mesh: trimesh.Trimesh, gripper: ParallelJawGripper, count: int, rng: np.random.Generator, *, margin: float
) -> np.ndarray:
    """(count, 4, 4) base poses whose TCP is uniform in the object's box grown by ``margin`` metres."""
    lo, hi = mesh.bounds[0] - margin, mesh.bounds[1] + margin
    tcp = rng.uniform(lo, hi, size=(count, 3))
    rot = random_rotations(count, rng)
    poses = np.zeros((count, 4, 4))
    poses[:, :3, :3] = rot
    poses[:, :3, 3] = tcp - gripper.tcp_depth * rot[:, :, 2]
    poses[:, 3, 3] = 1.0
    return poses


def collision_free_random_poses(
    mesh: trimesh.Trimesh,
    collider: GripperCollider,
    count: int,
    rng: np.random.Generator,
    *,
    margin: float,
    max_attempts: int,
) -> tuple[np.ndarray, int]:
    """Up to ``count`` collision-free random poses (k, 4, 4) and the number of draws spent."""
    kept: list[np.ndarray] = []
    found = attempts = 0
    while found < count and attempts < max_attempts:
        n = min(max(2 * (count - found), 32), max_attempts - attempts)
        poses = sample_random_poses(mesh, collider.gripper, n, rng, margin=margin)
        attempts += n
        free = poses[collider.check_open(poses) == NONE][: count - found]
        kept.append(free)
        found += len(free)
    return (np.concatenate(kept) if kept else np.zeros((0, 4, 4))), attempts
