"""A PNG per object: the mesh with its guesses drawn as gripper glyphs (free green, colliding red).

A box gripper is sketched as lines; a real hand (:class:`GripperModel`) is drawn as the edges of each
body's convex hull posed at the grasp's opening (the real bodies' outline: the full meshes, thousands
of faces per glyph, would bury the object).

Matplotlib with the Agg backend (no display needed); two views side by side. Large meshes are
drawn with every k-th face only, which is enough to see the shape.
"""

from __future__ import annotations

import io
import weakref
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import trimesh
from mpl_toolkits.mplot3d.art3d import Line3DCollection, Poly3DCollection

from dexgen.atomic import write_bytes
from dexgen.grippers.geometry import glyph
from dexgen.grippers.model import GripperModel
from dexgen.grippers.spec import Gripper

COLOURS = ("tab:green", "tab:red", "tab:grey")  # by label: collision_free, colliding, random
MAX_FACES = 3000
FEATURE_ANGLE = np.radians(35.0)  # hull edges drawn for a real hand: where faces meet at more than this
_LIGHT = np.array([0.3, -0.4, 0.87])  # unit-ish light direction for flat shading
_HULL_EDGES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # per hand: [(e, 2, 3) per body]


def model_glyph(model: GripperModel, opening: float) -> np.ndarray:
    """(k, 2, 3) float64 -- the crease edges of every body's convex hull at ``opening``, base frame."""
    if model not in _HULL_EDGES:
        hulls = [mesh.convex_hull for mesh in model.meshes]
        # only the creases (faces meeting at > FEATURE_ANGLE): the outline, not the tessellation
        _HULL_EDGES[model] = [
            h.vertices[h.face_adjacency_edges[h.face_adjacency_angles > FEATURE_ANGLE]] for h in hulls
        ]
    poses = model.body_poses(opening)
    return np.concatenate([e @ p[:3, :3].T + p[:3, 3] for e, p in zip(_HULL_EDGES[model], poses)])


def _segments(gripper: Gripper | GripperModel, poses: np.ndarray, openings: np.ndarray) -> np.ndarray:
    """(n * k, 2, 3) glyph segments of each pose at its opening, object frame."""
    out = []
    hand = gripper.hand_model  # a real hand: its bodies' outline; else the box sketch
    for pose, opening in zip(poses, openings):
        seg = glyph(gripper, opening) if hand is None else model_glyph(hand, opening)
        out.append(seg @ pose[:3, :3].T + pose[:3, 3])
    return np.concatenate(out) if out else np.zeros((0, 2, 3))


def render_guesses(
    path: str | Path,
    mesh: trimesh.Trimesh,
    gripper: Gripper | GripperModel,
    poses: np.ndarray,
    openings: np.ndarray,
    labels: np.ndarray,
    *,
    per_label: int,
    title: str,
) -> None:
    """Write a PNG of ``mesh`` with up to ``per_label`` glyphs per label (poses (n, 4, 4), object frame)."""
    faces = mesh.faces[:: max(1, len(mesh.faces) // MAX_FACES)]  # every k-th face: enough to see the shape
    tris = mesh.vertices[faces]
    fig = plt.figure(figsize=(10, 5), dpi=80)
    for v, azim in enumerate((30, 120)):
        ax = fig.add_subplot(1, 2, v + 1, projection="3d")
        shade = 0.35 + 0.55 * np.abs(mesh.face_normals[:: max(1, len(mesh.faces) // MAX_FACES)] @ _LIGHT)
        ax.add_collection3d(Poly3DCollection(tris, facecolors=np.outer(shade, (0.27, 0.51, 0.71)), alpha=0.8))
        for label, colour in enumerate(COLOURS):
            idx = np.flatnonzero(labels == label)[: per_label if label < 2 else max(1, per_label // 4)]
            if len(idx):
                ax.add_collection3d(
                    Line3DCollection(
                        _segments(gripper, poses[idx], openings[idx]), colors=colour, linewidths=0.8
                    )
                )
        centre, radius = mesh.bounds.mean(axis=0), mesh.extents.max() / 2 + 0.4 * gripper_reach(gripper)
        for setter, c in zip((ax.set_xlim, ax.set_ylim, ax.set_zlim), centre):
            setter(c - radius, c + radius)
        ax.set_box_aspect((1, 1, 1))
        ax.view_init(elev=25, azim=azim)
        ax.set_axis_off()
    fig.suptitle(title, fontsize=9)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    write_bytes(path, buf.getvalue())


def gripper_reach(gripper: Gripper | GripperModel) -> float:
    """Base-to-tip length, metres: how far glyphs stick out of the object."""
    return float(gripper.reach)
