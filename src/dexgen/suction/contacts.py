"""Suction grasp poses in GraspGen's convention (grippers.md §5), drawn from a seeded generator.

A grasp is the plate frame in the object frame: for a cup ``pose`` drawn from the array, its lip frame
has +z along the outward face normal at a surface point, a random turn about z, and sits
``standoff`` off the surface; the plate frame is that lip frame times ``pose^-1`` (GraspGen's
``sample_grasps``). Never on the surface itself: a zero gap seals or not by the ray caster's whim.
"""

from __future__ import annotations

import numpy as np
import trimesh

from dexgen.suction.cup import CupArray


def normal_frames(normals: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """(n, 3, 3) rotations whose z column is each unit normal (n, 3), turned by ``angles`` (n,) rad about it."""
    n = np.asarray(normals, dtype=np.float64)
    ref = np.where(np.abs(n[:, :1]) < 0.9, [[1.0, 0.0, 0.0]], [[0.0, 1.0, 0.0]])
    x = np.cross(ref, n)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    y = np.cross(n, x)
    c, s = np.cos(angles)[:, None], np.sin(angles)[:, None]
    return np.stack([c * x + s * y, -s * x + c * y, n], axis=2)


def sample_contacts(
    mesh: trimesh.Trimesh,
    cup: CupArray,
    count: int,
    rng: np.random.Generator,
    face_weight: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Surface contacts as grasps, area-uniform (or by ``face_weight`` (F,), uniform within a face).

    Returns ``(T_obj_grasp (count, 4, 4) float64, points (count, 3) on the surface, cup index (count,) int)``
    in the mesh's frame, metres.
    """
    areas = np.asarray(mesh.area_faces, dtype=np.float64) if face_weight is None else np.asarray(face_weight)
    face = rng.choice(len(areas), size=count, p=areas / areas.sum())
    tri = np.asarray(mesh.triangles)[face]
    u, v = rng.random(count), rng.random(count)
    flip = u + v > 1  # fold the unit square onto the triangle
    u, v = np.where(flip, 1 - u, u), np.where(flip, 1 - v, v)
    points = tri[:, 0] + u[:, None] * (tri[:, 1] - tri[:, 0]) + v[:, None] * (tri[:, 2] - tri[:, 0])
    normals = np.asarray(mesh.face_normals)[face]
    return _grasps(points, normals, cup, rng)


def _grasps(points: np.ndarray, normals: np.ndarray, cup: CupArray, rng: np.random.Generator):
    """Plate frames of a random cup of the array, its lip at each point with a random turn about the normal."""
    count = len(points)
    which = rng.integers(0, cup.num_cups, size=count)
    lip = np.tile(np.eye(4), (count, 1, 1))
    lip[:, :3, :3] = normal_frames(normals, rng.uniform(-np.pi, np.pi, count))
    lip[:, :3, 3] = points + cup.standoff * normals
    return lip @ np.linalg.inv(cup.poses[which]), points, which


def jitter_contacts(
    mesh: trimesh.Trimesh,
    cup: CupArray,
    centres: np.ndarray,
    count: int,
    sigma: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Contacts near ``centres`` (m, 3) surface points: each a random centre moved by N(0, sigma) metres in
    3-D and brought back to the nearest surface point (normal of the face there). Finds more of a
    sealable patch too small for area-uniform draws to hit often. Same returns as :func:`sample_contacts`."""
    start = centres[rng.integers(0, len(centres), size=count)] + rng.normal(0.0, sigma, (count, 3))
    points, _, face = trimesh.proximity.closest_point(mesh, start)
    return _grasps(np.asarray(points), np.asarray(mesh.face_normals)[face], cup, rng)
