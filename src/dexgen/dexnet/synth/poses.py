"""Stable resting poses of an object on a table, as Dex-Net used them (``dexnet.md`` §4 "Objects").

Dex-Net propagated quasi-static convex-hull rolls (meshpy); ``trimesh.poses.compute_stable_poses`` is
the stand-in the reference names. A stable pose is defined up to a turn about the table normal, so each
pose gets a seeded yaw: the same object is seen in several orientations across poses and runs stay
identical for a seed.
"""

from __future__ import annotations

import numpy as np
import trimesh

from dexgen.portable import matmul, rigid_inverse


def stable_poses(
    mesh: trimesh.Trimesh, *, count: int, min_probability: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The ``count`` most probable resting poses of ``mesh`` on the plane z = 0.

    Returns ``(T_table_obj, probability)``: (k, 4, 4) float64 -- object frame in the table frame
    (table top is z = 0, +z up, metres), k <= count; (k,) float64 probabilities (most probable first).
    Poses below ``min_probability`` are dropped unless that would leave none.
    """
    transforms, probs = trimesh.poses.compute_stable_poses(mesh, sigma=0.0, n_samples=1)
    transforms = np.asarray(transforms, dtype=np.float64)
    probs = np.asarray(probs, dtype=np.float64)
    if len(transforms) == 0:  # a degenerate hull: rest on the object's lowest point, frame unchanged
        transforms, probs = np.eye(4)[None], np.ones(1)
    order = np.argsort(-probs, kind="stable")
    keep = [i for i in order if probs[i] > min_probability] or [int(order[0])]
    keep = keep[:count]
    out = transforms[keep].copy()
    yaw = rng.uniform(0.0, 2 * np.pi, len(keep))
    for i, a in enumerate(yaw):
        turn = np.eye(4)
        turn[:2, :2] = [[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]
        # turn about the vertical through the object's resting centre, so it stays in view
        centre = trimesh.transform_points(mesh.vertices, out[i]).mean(axis=0)
        shift = np.eye(4)
        shift[:2, 3] = centre[:2]
        out[i] = matmul(matmul(matmul(shift, turn), rigid_inverse(shift)), out[i])  # not @ / inv: CPU bits
        lowest = trimesh.transform_points(mesh.vertices, out[i])[:, 2].min()
        out[i, 2, 3] -= lowest  # exactly on the table (compute_stable_poses is within ~1e-9)
    return out, probs[keep]
