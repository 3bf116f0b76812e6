"""Pad patches: where on each finger body the object is squeezed, and the opening they define.

A pad is a flat rectangle on a finger body (its contact face), held in that body's frame so it rides
along with the linkage. The opening is the gap between the two patches along the closing axis x,
measured between their innermost corners: for pads that stay parallel this is the face-to-face
distance, and for pads that tilt as they close (curling fingertips) it reaches 0 when the first
corners touch, which is where a real stroke ends.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import trimesh

FACING_COS = np.cos(np.radians(45.0))  # a face "looks at" the other finger within 45 degrees
FRONT_BAND = 1e-3  # metres: faces this close to the foremost one form the contact face


@dataclasses.dataclass(frozen=True, eq=False)
class PadPatch:
    """One pad as a rectangle in its body's frame (metres).

    centre, normal, axis : (3,) float64 -- body frame; ``normal`` points at the other pad, ``axis``
    runs along the pad towards the fingertip. size : (length along axis, width across), metres.
    """

    body: str
    centre: np.ndarray
    normal: np.ndarray
    axis: np.ndarray
    size: tuple[float, float]

    def corners(self) -> np.ndarray:
        """(4, 3) float64 -- the rectangle's corners in the body frame."""
        across = np.cross(self.normal, self.axis)
        half_l, half_w = self.size[0] / 2, self.size[1] / 2
        signs = np.array([[1, 1], [1, -1], [-1, -1], [-1, 1]], dtype=float)
        return self.centre + signs[:, :1] * half_l * self.axis + signs[:, 1:] * half_w * across

    def bite_point(self, bite: float) -> np.ndarray:
        """(3,) float64 -- the point ``bite`` metres back from the fingertip edge, body frame."""
        return self.centre + (self.size[0] / 2 - bite) * self.axis


def pad_gap(pads: tuple[PadPatch, PadPatch], poses: tuple[np.ndarray, np.ndarray]) -> float:
    """Metres along x between the pads' innermost corners, ``poses`` each pad body's (4, 4) base pose.

    Pad 0 is on the -x side: gap = min x over pad 1's corners - max x over pad 0's corners.
    """
    xs = [(pose[:3, :3] @ pad.corners().T)[0] + pose[0, 3] for pad, pose in zip(pads, poses)]
    return float(xs[1].min() - xs[0].max())


def find_patch(
    body: str, mesh: trimesh.Trimesh, pose: np.ndarray, towards: np.ndarray, approach: np.ndarray
) -> PadPatch | None:
    """The face of ``mesh`` that looks at the other finger, as a patch; None if no face does.

    pose : (4, 4) the body in the frame of ``towards`` (unit, from this finger to the other) and
    ``approach`` (unit, palm to fingertips). The foremost faces along ``towards`` whose normals look
    at the other finger (within :data:`FACING_COS`, within :data:`FRONT_BAND` of the front) make the
    patch: a box pad's inner face, or the front band of a curved finger.
    """
    rot, shift = pose[:3, :3], pose[:3, 3]
    normals = mesh.face_normals @ rot.T
    centres = mesh.triangles_center @ rot.T + shift
    facing = normals @ towards > FACING_COS
    if not facing.any():
        return None
    depth = centres @ towards
    front = facing & (depth >= depth[facing].max() - FRONT_BAND)
    area = mesh.area_faces[front]
    normal = (normals[front] * area[:, None]).sum(axis=0)
    normal /= np.linalg.norm(normal)
    axis = approach - (approach @ normal) * normal
    if np.linalg.norm(axis) < 1e-6:  # the face looks along the approach: no length direction
        return None
    axis /= np.linalg.norm(axis)
    across = np.cross(normal, axis)
    points = (mesh.vertices[mesh.faces[front].ravel()]) @ rot.T + shift
    along, side = points @ axis, points @ across
    plane = float((centres[front] @ normal * area).sum() / area.sum())
    centre = plane * normal + (along.max() + along.min()) / 2 * axis + (side.max() + side.min()) / 2 * across
    size = (float(along.max() - along.min()), float(side.max() - side.min()))
    # back into the body frame: rotations by rot^T, the centre also shifted
    return PadPatch(body, rot.T @ (centre - shift), rot.T @ normal, rot.T @ axis, size)
