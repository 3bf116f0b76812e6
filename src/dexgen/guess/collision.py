"""Whole-gripper collision check against the object, with a reason code per candidate.

Each gripper body (palm, two fingers) is an fcl primitive box tested against the object's BVH, palm
first, stopping at the first hit, so a palm hit costs one box test and names the reason. At sampled
grasp poses that measured 2x faster than the gripper as one triangle BVH on the 10k-face benchmark
torus (``benchmarks/guess.py``), 2.6x on a builtin mug and 7.7x on a bowl, on par on a 22-face hull
and 0.6x on a 12-face box, where every test is cheap; ``stack.md`` §7 saw the opposite on other
meshes with trimesh's CollisionManager, so re-measure before changing it.

The finger motion is handled with swept boxes: the fingers of a candidate whose contacts are ``w``
apart must sweep from the pre-grasp opening down to ``w`` without touching the object, and the
volume a translating box sweeps is a longer box. Openings are quantised to a ladder of ``opening_steps`` values between the gripper's min and max; finger boxes
are built lazily per (closed, opened) ladder pair and cached. The pre-grasp opening is the widest
ladder opening whose sweep is free (GraspDataGen's "widest contiguous free opening", found by
bisection since sweeps nest). The band between the contact width and the first ladder opening above
``w + 2 * clearance`` (at most one ladder step) is not swept: the pads touch the object there by
design.

fcl's tests see surfaces only, so two containment cases are checked apart: a body entirely inside
a watertight object (its centre is inside) and the object entirely inside a body (one object vertex
is inside the body's box).
"""

from __future__ import annotations

import fcl
import numpy as np
import trimesh

from dexgen.grippers.geometry import Body, swept_bodies
from dexgen.grippers.spec import ParallelJawGripper
from dexgen.records.guesses import FINGER, NONE, PALM


def bvh(mesh: trimesh.Trimesh) -> fcl.BVHModel:
    """An fcl BVH of ``mesh`` (vertices in metres)."""
    model = fcl.BVHModel()
    model.beginModel(len(mesh.vertices), len(mesh.faces))
    model.addSubModel(np.asarray(mesh.vertices, dtype=np.float64), np.asarray(mesh.faces, dtype=np.int32))
    model.endModel()
    return model


class Solid:
    """One gripper body as an fcl primitive, with its pose in the gripper base frame."""

    __slots__ = ("obj", "pose")

    def __init__(self, body: Body) -> None:
        if body.shape != "box":
            raise ValueError(f"gripper body {body.name!r} is a {body.shape}; parallel-jaw bodies are boxes")
        self.obj = fcl.CollisionObject(fcl.Box(*body.size), fcl.Transform())
        self.pose = np.asarray(body.pose, dtype=np.float64)


class GripperCollider:
    """Collision checks of one gripper against one object; owns the fcl objects (state, hence a class).

    ``target`` is the object's fcl collision object; ``checks`` counts fcl calls, for benchmarks.
    """

    def __init__(
        self, mesh: trimesh.Trimesh, gripper: ParallelJawGripper, *, clearance: float, opening_steps: int
    ) -> None:
        self.gripper = gripper
        self.clearance = clearance
        self.openings = np.linspace(gripper.min_opening, gripper.max_opening, opening_steps)
        self._mesh = mesh
        self.target = fcl.CollisionObject(bvh(mesh), fcl.Transform())
        self._watertight = bool(mesh.is_watertight)
        self._probe = np.append(np.asarray(mesh.vertices[0], dtype=np.float64), 1.0)
        self._pairs: dict[tuple[int, int], tuple[list[Solid], list[Body]]] = {}
        top = opening_steps - 1
        palm = self._bodies(top, top)[0]  # the palm does not depend on the opening
        self._palm = [Solid(palm)]
        self._request = fcl.CollisionRequest()
        self.checks = 0

    def _bodies(self, k: int, j: int) -> list[Body]:
        return swept_bodies(
            self.gripper, closed=self.openings[k], opened=self.openings[j], margin=self.clearance
        )

    def _pair(self, k: int, j: int) -> tuple[list[Solid], list[Body]]:
        """The two finger solids sweeping from ladder opening ``j`` down to ``k``, and all bodies."""
        if (k, j) not in self._pairs:
            bodies = self._bodies(k, j)
            self._pairs[(k, j)] = ([Solid(b) for b in bodies if b.role != "palm"], bodies)
        return self._pairs[(k, j)]

    def _hit(self, solids: list[Solid], pose: np.ndarray) -> bool:
        """Does any of ``solids`` touch the object with the gripper base at ``pose``?"""
        for solid in solids:
            world = pose @ solid.pose
            solid.obj.setTransform(fcl.Transform(world[:3, :3], world[:3, 3]))
            self.checks += 1
            if fcl.collide(solid.obj, self.target, self._request, fcl.CollisionResult()):
                return True
        return False

    def check(self, poses: np.ndarray, widths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Label antipodal candidates.

        poses : (n, 4, 4) float64 -- gripper base in the object frame; widths : (n,) contact widths, m.
        Returns (openings (n,) float64 -- the pre-grasp opening for free candidates, the narrowest
        tested opening for colliding ones, metres; reasons (n,) int8 -- NONE, FINGER or PALM).
        """
        top = len(self.openings) - 1
        first = np.searchsorted(self.openings, widths + 2 * self.clearance, side="right")
        opening_idx = np.zeros(len(poses), dtype=np.int64)
        reasons = np.zeros(len(poses), dtype=np.int8)
        for i, pose in enumerate(poses):
            k = int(first[i])
            if k > top:  # no ladder opening clears the contacts: callers filter these out first
                opening_idx[i], reasons[i] = top, FINGER
                continue
            if self._hit(self._palm, pose):
                opening_idx[i], reasons[i] = k, PALM
                continue
            if not self._hit(self._pair(k, top)[0], pose):
                opening_idx[i] = top
                continue
            if self._hit(self._pair(k, k)[0], pose):
                opening_idx[i], reasons[i] = k, FINGER
                continue
            lo, hi = k, top  # sweep (k, lo) is free, (k, hi) collides; sweeps nest, so bisect
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if self._hit(self._pair(k, mid)[0], pose):
                    hi = mid
                else:
                    lo = mid
            opening_idx[i] = lo
        free = np.flatnonzero(reasons == NONE)
        pairs = [self._pair(int(first[i]), int(opening_idx[i]))[1] for i in free]
        reasons[free] = self._containment(poses[free], pairs)
        return self.openings[opening_idx], reasons

    def check_open(self, poses: np.ndarray) -> np.ndarray:
        """Reasons (n,) int8 for poses (n, 4, 4) with the fingers fully open and not moving."""
        top = len(self.openings) - 1
        fingers, bodies = self._pair(top, top)
        reasons = np.array(
            [PALM if self._hit(self._palm, p) else FINGER if self._hit(fingers, p) else NONE for p in poses],
            dtype=np.int8,
        )
        free = np.flatnonzero(reasons == NONE)
        reasons[free] = self._containment(poses[free], [bodies] * len(free))
        return reasons

    def _containment(self, poses: np.ndarray, body_lists: list[list[Body]]) -> np.ndarray:
        """Reasons (n,) int8 for bodies wholly inside the object or the object wholly inside a body."""
        reasons = np.zeros(len(poses), dtype=np.int8)
        if len(poses) == 0:
            return reasons
        roles = [b.role for b in body_lists[0]]
        centres = np.array([[b.pose[:, 3] for b in bodies] for bodies in body_lists])  # (n, b, 4)
        if self._watertight:
            world = np.einsum("nij,nbj->nbi", poses, centres)[..., :3]
            inside = self._mesh.contains(world.reshape(-1, 3)).reshape(len(poses), -1)
        else:
            inside = np.zeros(centres.shape[:2], dtype=bool)
        probe = np.einsum("nij,j->ni", np.linalg.inv(poses), self._probe)  # (n, 4) object vertex, base frame
        for b, role in enumerate(roles):
            rot = np.array([bodies[b].pose[:3, :3] for bodies in body_lists])  # (n, 3, 3) body in base
            local = np.einsum("nji,nj->ni", rot, probe[:, :3] - centres[:, b, :3])  # probe in body frame
            half = np.array([bodies[b].size for bodies in body_lists]) / 2
            swallowed = np.all(np.abs(local) <= half, axis=1)
            hit = (inside[:, b] | swallowed) & (reasons == NONE)
            reasons[hit] = PALM if role == "palm" else FINGER
        return reasons
