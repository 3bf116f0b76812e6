"""Where a closing line through the object crosses its surface (embree ray casts, vectorised).

Rays start ``RAY_EPS`` under the surface point they leave from, so they do not hit their own face.
"""

from __future__ import annotations

import numpy as np
import trimesh

RAY_EPS = 1e-5  # m


def first_hit(
    mesh: trimesh.Trimesh, origins: np.ndarray, directions: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Distance (n,) from each origin along its unit direction to the first surface crossing (NaN if
    none) and that face's outward normal (n, 3) (NaN if none)."""
    tri, ray, hit = mesh.ray.intersects_id(
        origins + RAY_EPS * directions, directions, multiple_hits=False, return_locations=True
    )
    dist = np.full(len(origins), np.nan)
    normals = np.full((len(origins), 3), np.nan)
    dist[ray] = np.linalg.norm(hit - origins[ray], axis=1)
    normals[ray] = mesh.face_normals[tri]
    return dist, normals


def last_exit_within(
    mesh: trimesh.Trimesh, origins: np.ndarray, directions: np.ndarray, reach: float
) -> tuple[np.ndarray, np.ndarray]:
    """Distance (n,) to the farthest point within ``reach`` where each line leaves the solid (NaN if
    none) and the outward normal (n, 3) there: the widest span a pad starting at the origin can close on."""
    tri, ray, hit = mesh.ray.intersects_id(
        origins + RAY_EPS * directions, directions, multiple_hits=True, return_locations=True
    )
    dist = np.full(len(origins), np.nan)
    normals = np.full((len(origins), 3), np.nan)
    d = np.linalg.norm(hit - origins[ray], axis=1)
    leaving = np.einsum("ij,ij->i", mesh.face_normals[tri], directions[ray]) > 0
    keep = leaving & (d <= reach)
    ray, d, tri = ray[keep], d[keep], tri[keep]
    if len(ray) == 0:
        return dist, normals
    order = np.lexsort((d, ray))  # by ray, then distance: the last row of each ray is its farthest exit
    ray, d, tri = ray[order], d[order], tri[order]
    last = np.r_[ray[1:] != ray[:-1], True]
    dist[ray[last]] = d[last]
    normals[ray[last]] = mesh.face_normals[tri[last]]
    return dist, normals


def extent_along(
    mesh: trimesh.Trimesh, origins: np.ndarray, directions: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Distance (n,) from each origin to the farthest surface along its line (cast back from beyond
    the mesh, ACRONYM's thickness) and the outward normal (n, 3) there; NaN if the line meets nothing."""
    length = 2.0 * float(mesh.scale) + 1.0
    back = origins + length * directions
    dist, normals = first_hit(mesh, back, -directions)
    return length - dist, normals
