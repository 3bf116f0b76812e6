"""Pads placed where they first touch: back each finger off the surface until free, then close to contact.

A sampler proposes a closing line (a surface point ``p``, the closing axis, the roll and the contact
depth) and where each pad should meet the object along it. Flat pads put flush at single points
collide wherever the surface is not flat across the whole pad: inside a bowl or a ring (concave), on
a cone or a convex hull whose far face is tilted, on a faceted tube. Real fingers stop where they
first touch, at a pad edge or the fingertip. So each finger (its box inflated by the clearance) is
moved out along the closing line in ``step`` increments until it is free (GraspDataGen's finger
back-off, ``graspdatagen.md`` §4 step 4), then back by bisection to within ``tolerance`` of the
first touch. A step shorter than the finger is thick keeps the search exact: two boxes that far apart
cover every position between them. The grasp is then centred between the two pads (§4 step 6), so
both touch at once when the gripper closes symmetrically about its TCP.

The search starts from an estimate, not from the surface: rays from a grid on the pad face, cast
outward along the closing axis (embree, one batch for all proposals), tell how far each grid point
sits inside the object; the pad must back off at least the largest of those. That bound is exact
where the grid point that leaves last decides the touch (tilted pads, concave surfaces), so most pads
need one fcl check; where it is not (a thin edge between grid points), the scan goes on from there.

Positions are signed distances along the closing axis from ``p``, of the inflated pad faces.
"""

from __future__ import annotations

import fcl
import numpy as np
import trimesh

from dexgen.grippers.spec import ParallelJawGripper

GRID = (5, 9)  # rays across the pad face's width (y) and length (z) for the back-off estimate


class PadSettler:
    """Finds where the two pads of proposed grasps first touch the object (owns fcl boxes, hence a class).

    ``checks`` counts fcl calls, for benchmarks.
    """

    def __init__(
        self,
        mesh: trimesh.Trimesh,
        target: fcl.CollisionObject,
        gripper: ParallelJawGripper,
        *,
        clearance: float,
        step: float,
        steps: int,
        tolerance: float,
    ) -> None:
        f = gripper.finger
        if not 0 < step < f.thickness:
            raise ValueError(f"pad back-off step {step} must be in (0, finger thickness {f.thickness})")
        self._mesh, self._target = mesh, target
        self._thick = f.thickness + 2 * clearance
        self._box = fcl.CollisionObject(
            fcl.Box(self._thick, f.width + 2 * clearance, f.length + 2 * clearance)
        )
        self._z = gripper.fingertip_depth - f.length / 2  # box centre along +z from the base
        y, z = np.meshgrid(
            np.linspace(-1, 1, GRID[0]) * (f.width / 2 + clearance),
            np.linspace(-1, 1, GRID[1]) * (f.length / 2 + clearance),
        )
        self._grid = np.stack([np.zeros(y.size), y.ravel(), z.ravel() + self._z], axis=1)  # face, base frame
        self.step, self.steps, self.tolerance = step, steps, tolerance
        self._request = fcl.CollisionRequest()
        self.checks = 0

    def _free(self, point: np.ndarray, rot: np.ndarray, depth: float, face: float, side: int) -> bool:
        """Is the finger on ``side`` (-1 finger_neg, +1 finger_pos) free with its face at ``face``?

        The box's rotation is ``rot``, set once per proposal by ``settle``."""
        self._box.setTranslation(
            point + rot[:, 0] * (face + side * self._thick / 2) + rot[:, 2] * (self._z - depth)
        )
        self.checks += 1
        return not fcl.collide(self._box, self._target, self._request, fcl.CollisionResult())

    def _inside_depth(
        self, points: np.ndarray, rotations: np.ndarray, depths: np.ndarray, faces: np.ndarray, side: int
    ) -> np.ndarray:
        """How far (n,) the pads with faces at ``faces`` must move out along ``side`` before every face
        grid point has left the object: a lower bound on each pad's back-off."""
        n, k = len(points), len(self._grid)
        local = np.broadcast_to(self._grid, (n, k, 3)).copy()
        local[:, :, 0] = faces[:, None]
        local[:, :, 2] -= depths[:, None]
        origins = points[:, None, :] + np.einsum("nij,nkj->nki", rotations, local)
        dirs = np.broadcast_to(side * rotations[:, None, :, 0], (n, k, 3)).reshape(-1, 3)
        origins = origins.reshape(-1, 3)
        tri = self._mesh.ray.intersects_first(origins, dirs)  # -1 where nothing is hit
        hit = tri >= 0
        normals = self._mesh.face_normals[tri[hit]]
        along = np.einsum("ij,ij->i", normals, dirs[hit])
        leaving = along > 0  # the grid point was inside: the ray leaves through this face
        v0 = self._mesh.triangles[tri[hit], 0]
        depth = np.zeros(n * k)
        rows = np.flatnonzero(hit)[leaving]
        depth[rows] = np.einsum("ij,ij->i", normals[leaving], v0[leaving] - origins[rows]) / along[leaving]
        return depth.reshape(n, k).max(axis=1)

    def _touch(
        self, point: np.ndarray, rot: np.ndarray, depth: float, start: float, side: int, inside: float
    ) -> float:
        """The face position within ``tolerance`` of the first free one outward (along ``side``) from
        ``start``, searched from ``inside`` (the ray bound, where the finger is blocked or touching) out:
        first in ``tolerance`` steps (the bound is usually that close), then in ``step`` steps and
        bisection; NaN if still blocked ``steps`` steps out."""
        if inside > self.steps * self.step:
            return float("nan")
        # The bound is blocked or touching, so a free offset within ``tolerance`` of it is done.
        offsets = [self.tolerance, 2 * self.tolerance] + [k * self.step for k in range(1, self.steps)]
        previous = 0.0
        for offset in offsets:
            face = start + side * (inside + offset)
            if self._free(point, rot, depth, face, side):
                break
            previous = offset
        else:
            return float("nan")
        blocked = start + side * (inside + previous)
        while abs(face - blocked) > self.tolerance + 1e-12:
            mid = (face + blocked) / 2
            if self._free(point, rot, depth, mid, side):
                face = mid
            else:
                blocked = mid
        return face

    def settle(
        self, points: np.ndarray, rotations: np.ndarray, depths: np.ndarray, far: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Pad face positions (near (n,), far (n,)) of each proposal; NaN where a finger cannot get free.

        points : (n, 3) closing-line origins on the surface (finger_neg's proposed contact);
        rotations : (n, 3, 3) columns closing +x, y, approach +z; depths : (n,) metres from the base
        to the closing line along +z; far : (n,) where finger_pos's pad is proposed, along +x from points.
        """
        near_out = np.full(len(points), np.nan)
        far_out = np.full(len(points), np.nan)
        if len(points) == 0:
            return near_out, far_out
        near_in = self._inside_depth(points, rotations, depths, np.zeros(len(points)), -1)
        far_in = self._inside_depth(points, rotations, depths, far, +1)
        for i in range(len(points)):
            self._box.setRotation(rotations[i])
            near = self._touch(points[i], rotations[i], depths[i], 0.0, -1, near_in[i])
            if np.isnan(near):
                continue
            near_out[i] = near
            far_out[i] = self._touch(points[i], rotations[i], depths[i], far[i], +1, far_in[i])
        return near_out, far_out
