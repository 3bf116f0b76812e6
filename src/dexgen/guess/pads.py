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

Positions are signed distances along the closing axis from ``p``, of the inflated pad faces.
"""

from __future__ import annotations

import fcl
import numpy as np

from dexgen.grippers.spec import ParallelJawGripper

EPS = 1e-5  # m: the first trial position, just clear of the point it starts from


class PadSettler:
    """Finds where the two pads of proposed grasps first touch the object (owns fcl boxes, hence a class).

    ``checks`` counts fcl calls, for benchmarks.
    """

    def __init__(
        self,
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
        self._target = target
        self._thick = f.thickness + 2 * clearance
        self._box = fcl.CollisionObject(
            fcl.Box(self._thick, f.width + 2 * clearance, f.length + 2 * clearance)
        )
        self._z = gripper.fingertip_depth - f.length / 2  # box centre along +z from the base
        self.step, self.steps, self.tolerance = step, steps, tolerance
        self._request = fcl.CollisionRequest()
        self.checks = 0

    def _free(self, point: np.ndarray, rot: np.ndarray, depth: float, face: float, side: int) -> bool:
        """Is the finger on ``side`` (-1 finger_neg, +1 finger_pos) free with its face at ``face``?"""
        local = np.array([face + side * self._thick / 2, 0.0, self._z - depth])
        self._box.setTransform(fcl.Transform(rot, point + rot @ local))
        self.checks += 1
        return not fcl.collide(self._box, self._target, self._request, fcl.CollisionResult())

    def _touch(self, point: np.ndarray, rot: np.ndarray, depth: float, start: float, side: int) -> float:
        """The face position nearest ``start`` (outward along ``side``) where the finger is free; NaN if
        it is still blocked ``steps`` steps out."""
        for i in range(self.steps):
            face = start + side * (EPS + i * self.step)
            if self._free(point, rot, depth, face, side):
                break
        else:
            return float("nan")
        if i == 0:
            return face
        blocked = face - side * self.step
        while abs(face - blocked) > self.tolerance:
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
        for i in range(len(points)):
            near = self._touch(points[i], rotations[i], depths[i], 0.0, -1)
            if np.isnan(near):
                continue
            near_out[i] = near
            far_out[i] = self._touch(points[i], rotations[i], depths[i], far[i], +1)
        return near_out, far_out
