"""An object's narrowest width: whether any parallel-jaw gripper can close around it at all."""

from __future__ import annotations

import trimesh


def min_width(mesh: trimesh.Trimesh) -> float:
    """The object's narrowest width (metres): the smallest extent of its convex hull along a hull face
    normal (exact for face-vertex pairs, which bound the width of most shapes)."""
    hull = mesh.convex_hull
    extent = hull.vertices @ hull.face_normals.T  # (v, f)
    return float((extent.max(axis=0) - extent.min(axis=0)).min())
