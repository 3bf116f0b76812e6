"""Stable resting poses of an object on a table, as Dex-Net used them (``dexnet.md`` §4 "Objects").

Dex-Net propagated quasi-static convex-hull rolls (meshpy); ``trimesh.poses.compute_stable_poses`` is
the stand-in the reference names. A stable pose is defined up to a turn about the table normal, so each
pose gets a seeded yaw: the same object is seen in several orientations across poses and runs stay
identical for a seed.

The rests themselves depend on the mesh alone and cost most of a small object's synthesis (trimesh's
topple graph), so :func:`cached_rests` computes them once per mesh for every task.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import trimesh

from dexgen.portable import matmul, rigid_inverse
from dexgen.provenance import provenance
from dexgen.records import npz

Rests = tuple[np.ndarray, np.ndarray]  # (k, 4, 4) T_table_obj, (k,) probability, trimesh's order


def hull_rests(mesh: trimesh.Trimesh) -> Rests:
    """Every resting pose of ``mesh``'s hull with its probability (one pose for a degenerate hull)."""
    transforms, probs = trimesh.poses.compute_stable_poses(mesh, sigma=0.0, n_samples=1)
    transforms = np.asarray(transforms, dtype=np.float64).reshape(-1, 4, 4)
    probs = np.asarray(probs, dtype=np.float64).reshape(-1)
    if len(transforms) == 0:  # a degenerate hull: rest on the object's lowest point, frame unchanged
        transforms, probs = np.eye(4)[None], np.ones(1)
    return transforms, probs


def cached_rests(mesh: trimesh.Trimesh, mesh_sha256: str, cache_dir: Path) -> Rests:
    """:func:`hull_rests`, read from ``<cache_dir>/<mesh_sha256>.npz`` while its provenance (this
    code, trimesh's version) matches, else computed and written there (atomically)."""
    prov = provenance(
        stage="stable_poses",
        seed=0,
        params={},
        code=__name__,
        mesh_sha256=mesh_sha256,
        trimesh=trimesh.__version__,
    )
    path = Path(cache_dir) / f"{mesh_sha256}.npz"
    if path.is_file():
        try:
            arrays, meta = npz.decode(path.read_bytes())
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):
            meta = {}
        if meta.get("provenance") == prov:
            return arrays["transforms"], arrays["probabilities"]
    transforms, probs = hull_rests(mesh)
    arrays = {"transforms": transforms, "probabilities": probs}
    npz.write(path, arrays, tuple(sorted(arrays)), {"provenance": prov})
    return transforms, probs


def stable_poses(
    mesh: trimesh.Trimesh, rests: Rests, *, count: int, min_probability: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The ``count`` most probable of ``rests`` (:func:`hull_rests` of ``mesh``), each turned by a seeded yaw.

    Returns ``(T_table_obj, probability)``: (k, 4, 4) float64 -- object frame in the table frame
    (table top is z = 0, +z up, metres), k <= count; (k,) float64 probabilities (most probable first).
    Poses below ``min_probability`` are dropped unless that would leave none.
    """
    transforms, probs = rests
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
