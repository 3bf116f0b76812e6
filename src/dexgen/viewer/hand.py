"""A real hand on the 3-D page: its bodies' meshes drawn at each grasp's opening.

Sending ``mesh_at(opening)`` per grasp would put the whole hand (4,606 triangles for the 2F-85) into
the page once per grasp. Instead each body's mesh goes in once, in its body frame, and each grasp
carries only every body's pose in the object frame at that grasp's opening (``pose @
body_poses(opening)``: 12 numbers per body); the page poses the shared meshes per grasp
(``hand_script.html``). Box grippers keep their line sketch and their pages' bytes.
"""

from __future__ import annotations

import importlib.resources

import numpy as np

from dexgen.grippers.model import GripperModel

MESH_PRECISION = 5  # decimals of a metre for body vertices: 10 micrometres
POSE_PRECISION = 6  # decimals for the 3x4 body poses (rotation entries and metres)


def hand_bodies(model: GripperModel) -> dict:
    """The page's ``hand`` block: each body's mesh in its own frame, once per page."""
    return {
        "name": model.name,
        "bodies": [
            {
                "name": name,
                "vertices": np.round(np.asarray(mesh.vertices, dtype=np.float64), MESH_PRECISION)
                .ravel()
                .tolist(),
                "faces": np.asarray(mesh.faces, dtype=np.int64).ravel().tolist(),
            }
            for name, mesh in zip(model.bodies, model.meshes)
        ],
    }


def hand_poses(model: GripperModel, poses: np.ndarray, openings: np.ndarray | None = None) -> np.ndarray:
    """(k, n, 4, 4) every body of the hand in the object frame for each grasp pose (k, 4, 4) -- the
    base in the object frame -- at its opening (fully open where ``openings`` is None)."""
    poses = np.asarray(poses, dtype=np.float64).reshape(-1, 4, 4)
    if openings is None:
        openings = np.full(len(poses), model.stroke)
    if not len(poses):
        return np.zeros((0, len(model.bodies), 4, 4))
    return poses[:, None] @ model.body_poses(np.asarray(openings, dtype=np.float64))


def hand_pose_rows(posed: np.ndarray) -> list:
    """Per grasp, every body's rows 0-2 of its 4x4 pose, flattened (n * 12 numbers), rounded."""
    posed = np.asarray(posed, dtype=np.float64)
    return np.round(posed[:, :, :3, :].reshape(len(posed), -1), POSE_PRECISION).tolist()


def hand_segments(model: GripperModel, poses: np.ndarray, openings: np.ndarray | None = None) -> np.ndarray:
    """(k, 2, 2, 3) the line between the bite points and the approach from the base to the TCP, per
    grasp at its opening, object frame (what the box sketch shows, for a real hand)."""
    poses = np.asarray(poses, dtype=np.float64).reshape(-1, 4, 4)
    if not len(poses):
        return np.zeros((0, 2, 2, 3))
    opening = np.full(len(poses), model.stroke) if openings is None else np.asarray(openings, np.float64)
    pads = model.body_poses(opening)[:, list(model.pad_bodies)]  # (k, 2, 4, 4)
    local = np.array([pad.bite_point(model.bite) for pad in model.pads])  # (2, 3), pad body frames
    bites = np.einsum("kpij,pj->kpi", pads[:, :, :3, :3], local) + pads[:, :, :3, 3]  # base frame
    lines = np.stack([bites, np.stack([np.zeros_like(bites[:, 0]), bites.mean(axis=1)], axis=1)], axis=1)
    return np.einsum("kij,kslj->ksli", poses[:, :3, :3], lines) + poses[:, None, None, :3, 3]


def hand_script() -> str:
    """The ``<script>`` that draws the hand (added to the page only when it holds a hand)."""
    return (importlib.resources.files("dexgen.viewer") / "hand_script.html").read_text()
