"""What guessing needs from a real hand (:class:`GripperModel`) beyond the model itself.

The samplers ask a hand three numbers (stroke, end of stroke, TCP depth); :class:`HandLimits` gives
them for a model, so the samplers serve both hand types unchanged. The rest sorts bodies into the
palm (bodies that never move: reason PALM) and the fingers (bodies that move: reason FINGER),
inflates meshes by the clearance and merges posed bodies into one fcl BVH.
"""

from __future__ import annotations

import dataclasses

import fcl
import numpy as np
import trimesh

from dexgen.errors import ConfigError
from dexgen.grippers.model import GripperModel
from dexgen.params.guess import GuessConfig

MOVE_TOL = 1e-9  # metres/radians: a body whose pose changes less than this over the stroke is the palm
MAX_STRETCH = 3.0  # cap on a vertex's push factor at sharp corners (1/cos of the widest face angle)


@dataclasses.dataclass(frozen=True)
class HandLimits:
    """The numbers a sampler reads off a hand, for a model (metres).

    tcp_depth is the bite points' depth fully open: samplers draw contact depths as ``tcp_depth -
    offset`` and the model path reads the offset back (:func:`depth_offsets`).
    """

    name: str
    max_opening: float
    min_opening: float
    tcp_depth: float

    @classmethod
    def of(cls, model: GripperModel) -> HandLimits:
        return cls(model.name, model.stroke, model.min_opening, model.tcp_depth())


def check_model_config(model: GripperModel, cfg: GuessConfig) -> None:
    """Refuse depth offsets that put contacts off the pads: the contact sits ``bite + offset`` back
    from the fingertip edge, which must lie on the pad (within its length)."""
    length = min(pad.size[0] for pad in model.pads)
    lo, hi = -model.bite, length - model.bite
    if cfg.depth_offset_range[0] < lo - 1e-9 or cfg.depth_offset_range[1] > hi + 1e-9:
        raise ConfigError(
            f"guess.depth_offset_range {list(cfg.depth_offset_range)} puts contacts off the pads of "
            f"{model.name}: offsets must lie in [{lo:.4f}, {hi:.4f}] m (behind the bite point is positive)"
        )


def moving(model: GripperModel) -> np.ndarray:
    """(n,) bool -- bodies whose pose changes over the stroke (the fingers and their linkage)."""
    return np.abs(model.poses[0] - model.poses[-1]).max(axis=(1, 2)) > MOVE_TOL


def inflate(mesh: trimesh.Trimesh, margin: float) -> trimesh.Trimesh:
    """``mesh`` grown by ``margin``: each vertex pushed along its normal far enough that every face
    around it moves out by at least ``margin`` (a Minkowski grow at smooth parts, a little more at
    corners, capped by :data:`MAX_STRETCH`)."""
    if margin <= 0:
        return mesh
    normals = mesh.vertex_normals
    cos = np.ones(len(mesh.vertices))
    faces_cos = np.einsum("fkj,fj->fk", normals[mesh.faces], mesh.face_normals)  # (f, 3)
    np.minimum.at(cos, mesh.faces.ravel(), faces_cos.ravel())
    stretch = 1.0 / np.clip(cos, 1.0 / MAX_STRETCH, 1.0)
    return trimesh.Trimesh(mesh.vertices + normals * (margin * stretch)[:, None], mesh.faces, process=False)


def posed(meshes: list[trimesh.Trimesh], poses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vertices (v, 3) and faces (f, 3) of ``meshes`` at ``poses`` (k, 4, 4), merged, base frame."""
    verts, faces, offset = [], [], 0
    for mesh, pose in zip(meshes, poses):
        verts.append(mesh.vertices @ pose[:3, :3].T + pose[:3, 3])
        faces.append(mesh.faces + offset)
        offset += len(mesh.vertices)
    return np.concatenate(verts), np.concatenate(faces)


def merged_bvh(vertices: np.ndarray, faces: np.ndarray) -> fcl.CollisionObject:
    """One fcl collision object of a merged triangle soup (base frame, identity transform)."""
    model = fcl.BVHModel()
    model.beginModel(len(vertices), len(faces))
    model.addSubModel(np.ascontiguousarray(vertices, dtype=np.float64), np.asarray(faces, dtype=np.int32))
    model.endModel()
    return fcl.CollisionObject(model, fcl.Transform())
