"""How well one object's positive guesses cover it: over approach directions and over its surface
(whether the gripper fits it at all is ``objects.width``).

The figures are chosen so a sampler change shows up in ``dvc metrics diff``: a sampler that finds
only side grasps on a bowl leaves approach bins empty and the rim uncovered, whatever its count.
"""

from __future__ import annotations

import numpy as np
import trimesh
from scipy.spatial import cKDTree

from dexgen.guess.sampling import sample_surface

APPROACH_BINS = trimesh.creation.icosahedron().face_normals  # 20 equal cells on the sphere
SURFACE_RADIUS = 0.01  # m: a surface point is covered when a positive contact lies this close


def approach_fraction(poses: np.ndarray) -> float:
    """Fraction of the 20 icosahedral cells holding the approach (+z) of at least one of ``poses`` (n, 4, 4)."""
    if len(poses) == 0:
        return 0.0
    cells = np.argmax(poses[:, :3, 2] @ APPROACH_BINS.T, axis=1)
    return len(np.unique(cells)) / len(APPROACH_BINS)


def surface_fraction(
    mesh: trimesh.Trimesh, contacts: np.ndarray, rng: np.random.Generator, *, samples: int = 2000
) -> float:
    """Fraction of the surface (area-uniform ``samples``) within SURFACE_RADIUS of a contact (k, 3)."""
    contacts = contacts[np.all(np.isfinite(contacts), axis=1)]
    if len(contacts) == 0:
        return 0.0
    points, _ = sample_surface(mesh, samples, rng)
    dist, _ = cKDTree(contacts).query(points, distance_upper_bound=SURFACE_RADIUS)
    return float(np.mean(np.isfinite(dist)))
