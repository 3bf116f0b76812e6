"""Random draws every sampler shares: surface points, directions in a cone, rolls about an axis.

Kept apart from the samplers so that each sampler module says only what makes it different.
"""

from __future__ import annotations

import numpy as np
import trimesh


def sample_surface(
    mesh: trimesh.Trimesh, count: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``count`` area-uniform surface points and their face indices: (count, 3) float64, (count,) int64."""
    cum = np.cumsum(mesh.area_faces)
    faces = np.searchsorted(cum, rng.random(count) * cum[-1], side="right")
    faces = np.minimum(faces, len(mesh.faces) - 1)
    u, v = rng.random((2, count))
    flip = u + v > 1  # reflect into the triangle: uniform over its area
    u[flip], v[flip] = 1 - u[flip], 1 - v[flip]
    tri = mesh.triangles[faces]
    points = tri[:, 0] + u[:, None] * (tri[:, 1] - tri[:, 0]) + v[:, None] * (tri[:, 2] - tri[:, 0])
    return points, faces


def perpendicular_basis(axis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two unit vectors (n, 3) completing ``axis`` (n, 3) to an orthonormal right-handed frame."""
    helper = np.where(np.abs(axis[:, :1]) < 0.9, [[1.0, 0.0, 0.0]], [[0.0, 1.0, 0.0]])
    u = np.cross(axis, helper)
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    return u, np.cross(axis, u)


def sample_in_cone(axis: np.ndarray, half_angle: float, rng: np.random.Generator) -> np.ndarray:
    """(n, 3) unit directions uniform on the spherical cap of ``half_angle`` around ``axis`` (n, 3)."""
    n = len(axis)
    cos_t = 1 - rng.random(n) * (1 - np.cos(half_angle))
    sin_t = np.sqrt(np.clip(1 - cos_t**2, 0, None))
    phi = rng.random(n) * 2 * np.pi
    u, v = perpendicular_basis(axis)
    return cos_t[:, None] * axis + sin_t[:, None] * (np.cos(phi)[:, None] * u + np.sin(phi)[:, None] * v)


def rolled_frames(axes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(n, 3, 3) rotations whose columns are (closing +x = ``axes``, y, approach +z), uniform roll about x."""
    u, v = perpendicular_basis(axes)
    roll = rng.random(len(axes)) * 2 * np.pi
    y = np.cos(roll)[:, None] * u + np.sin(roll)[:, None] * v
    return np.stack([axes, y, np.cross(axes, y)], axis=2)


def poses_at(rotations: np.ndarray, centres: np.ndarray, contact_depth: np.ndarray) -> np.ndarray:
    """(n, 4, 4) base poses: ``rotations`` (n, 3, 3), the contact midpoint ``centres`` (n, 3) at
    ``contact_depth`` (n,) metres from the base along +z."""
    poses = np.zeros((len(rotations), 4, 4))
    poses[:, :3, :3] = rotations
    poses[:, :3, 3] = centres - contact_depth[:, None] * rotations[:, :, 2]
    poses[:, 3, 3] = 1.0
    return poses
