"""A small GraspGen dataset made by the real writer from synthetic, hand-checkable grasps on boxes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import trimesh

from dexgen.graspgen.labels import ObjectResult

GRIPPER = "robotiq_2f_85"
DEPTH = 0.1299  # robotiq_2f_85 tcp_depth
EXTENTS = (0.04, 0.05, 0.06)


def top_down(theta: float, shift: float = 0.0) -> np.ndarray:
    """Base link above a box centred at the origin, approaching along -z, TCP at the centre (+ shift in x)."""
    c, s = np.cos(theta), np.sin(theta)
    rz = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
    pose = np.eye(4)
    pose[:3, :3] = rz @ np.diag([1.0, -1.0, -1.0])  # +z (approach) points down, right-handed
    pose[:3, 3] = (shift, 0.0, DEPTH)
    return pose


def poses(n: int, shift: float = 0.0) -> np.ndarray:
    """(n, 4, 4) top-down grasps, rotated about z in steps and spread 2 mm apart in x from ``shift``."""
    return np.stack([top_down(np.pi * i / n, shift + 0.002 * i) for i in range(n)])


def make_result(tmp: Path, key: str, *, n_ok: int = 8, n_fail: int = 6, n_coll: int = 6) -> ObjectResult:
    mesh_path = tmp / "meshes" / f"{key}.ply"
    mesh_path.parent.mkdir(parents=True, exist_ok=True)
    trimesh.creation.box(extents=EXTENTS).export(mesh_path)
    trials = np.concatenate([poses(n_ok), poses(n_fail, shift=0.005)])
    success = np.r_[np.ones(n_ok, bool), np.zeros(n_fail, bool)]
    return ObjectResult(
        key=key,
        scale=1.0,
        mesh_path=str(mesh_path),
        trial_poses=trials,
        trial_success=success,
        free_poses=trials,
        colliding_poses=poses(n_coll, shift=0.01),
        inputs={"mesh_sha256": key},
    )


KEYS = ("box_000", "box_001", "sub/mug.obj", "box_003", "box_004")
