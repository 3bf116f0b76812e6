"""Whole-hand collision check of a real hand (:class:`GripperModel`) against the object.

Every body's triangle mesh, grown by the clearance (:func:`~dexgen.guess.model_hand.inflate`), is
tested as an fcl BVH. fcl, not embree: embree casts rays, so a mesh-vs-mesh test is every edge of
one mesh cast against the other both ways; on the 2F-85 (4,606 faces, fully open) against the
10k-face benchmark torus at 200 sampled grasp poses that measured 160-200 poses/s against fcl's
44,000-48,000/s in two runs (over 200x; the same hits; ``benchmarks/guess.py``,
``real_hand.collision_checks``), and rays miss a body wholly inside the object just as fcl does.

The palm (bodies that never move) is one BVH, tested first (reason PALM). The fingers (every moving
body, merged) are posed at each rung of the pre-grasp ladder (``opening_steps`` openings between the
hand's min and max, as the box path): their motion from the pre-grasp opening down to the contacts
is an arc for a linkage, so instead of a swept volume the fingers are tested at every rung from the
first above the contact width (plus the clearance on each side) upward, and the pre-grasp opening is
the widest rung reached without a hit (GraspDataGen's widest contiguous free opening). Between two
rungs no vertex moves farther than :attr:`ModelCollider.rung_motion` (measured on the 2F-85's meshes:
1.98 mm at the default 32 rungs, 4.0 mm at 16, 0.98 mm at 64), so a finger between two free rungs,
each point within about half that of one of them (plus the arc's sagitta, 0.01 mm there), keeps
about ``clearance - rung_motion / 2`` from the object: 1 mm with the default 2 mm clearance. Rungs
are also merged in aligned blocks of :data:`BLOCK` (one BVH per block), so a free scan costs a
quarter of the tests; a hit block is resolved rung by rung.

The object is moved into the hand's frame (one transform per pose) and the hand's BVHs stay put, so
the merged BVHs are built once per hand and process (:data:`_SHARED`), whatever the object.
Containment, which fcl's surface tests miss: a body whose centre is inside a watertight object, and
the object wholly inside a body (one object vertex inside a body's mesh).
"""

from __future__ import annotations

import functools
import weakref

import fcl
import numpy as np
import trimesh

from dexgen.grippers.model import GripperModel
from dexgen.guess.collision import bvh
from dexgen.guess.model_hand import HandLimits, inflate, merged_bvh, moving, posed
from dexgen.records.guesses import FINGER, NONE, PALM

BLOCK = 4  # rungs merged into one BVH for the upward scan

# per hand: {(clearance, ladder...): {key: fcl.CollisionObject}}, shared by every collider in a process
_SHARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class ModelCollider:
    """Collision checks of one real hand against one object (owns fcl objects, hence a class).

    Same methods as :class:`dexgen.guess.collision.GripperCollider`: ``check``, ``check_open``,
    ``target``, ``checks``, ``gripper`` (the hand's :class:`HandLimits`), ``openings`` (the ladder).
    """

    def __init__(self, mesh: trimesh.Trimesh, model: GripperModel, *, clearance: float, opening_steps: int):
        self.model = model
        self.gripper = HandLimits.of(model)
        self.clearance = clearance
        self.openings = np.linspace(model.min_opening, model.stroke, opening_steps)
        self._mesh = mesh
        self.target = fcl.CollisionObject(bvh(mesh), fcl.Transform())
        self._watertight = bool(mesh.is_watertight)
        self._probe = np.append(np.asarray(mesh.vertices[0], dtype=np.float64), 1.0)
        self._moving = moving(model)
        self._grown = [inflate(m, clearance) for m in model.meshes]
        self._ladder_poses = model.body_poses(self.openings)  # (k, n, 4, 4)
        self._parts = _SHARED.setdefault(model, {}).setdefault((clearance, *self.openings.tolist()), {})
        self._request = fcl.CollisionRequest()
        self.checks = 0

    @functools.cached_property
    def rung_motion(self) -> float:
        """Metres: the farthest any finger vertex moves between two neighbouring rungs (the bound on
        what the rung sampling can miss; reported by ``benchmarks/guess.py``)."""
        worst = 0.0
        for b in np.flatnonzero(self._moving):
            v = self.model.meshes[b].vertices
            at = np.einsum("kij,vj->kvi", self._ladder_poses[:, b, :3, :3], v)
            at += self._ladder_poses[:, b, None, :3, 3]
            worst = max(worst, float(np.linalg.norm(np.diff(at, axis=0), axis=2).max()))
        return worst

    def _part(self, key: tuple) -> fcl.CollisionObject:
        """The palm ("palm",) or the fingers merged over rungs ``lo..hi`` ("fingers", lo, hi), cached."""
        if key not in self._parts:
            if key[0] == "palm":
                idx = np.flatnonzero(~self._moving)
                rungs = [len(self.openings) - 1]
            else:
                idx = np.flatnonzero(self._moving)
                rungs = range(key[1], key[2] + 1)
            meshes = [self._grown[b] for _ in rungs for b in idx]
            poses = np.concatenate([self._ladder_poses[r, idx] for r in rungs])
            self._parts[key] = merged_bvh(*posed(meshes, poses))
        return self._parts[key]

    def _hit(self, key: tuple) -> bool:
        self.checks += 1
        return fcl.collide(self._part(key), self.target, self._request, fcl.CollisionResult()) > 0

    def _place(self, pose: np.ndarray) -> None:
        """Put the object in the hand's frame for the base at ``pose`` (object frame)."""
        rot_t = pose[:3, :3].T
        self.target.setTransform(fcl.Transform(rot_t, -rot_t @ pose[:3, 3]))

    def _widest_free(self, k: int) -> int:
        """The widest rung reached from rung ``k`` upward without a finger hit (k - 1 if ``k`` hits)."""
        top = len(self.openings) - 1
        i = k
        while i <= top:
            if i % BLOCK == 0 and i + BLOCK - 1 <= top:
                if not self._hit(("fingers", i, i + BLOCK - 1)):
                    i += BLOCK
                    continue
                for r in range(i, i + BLOCK):
                    if self._hit(("fingers", r, r)):
                        return r - 1
            elif self._hit(("fingers", i, i)):
                return i - 1
            i += 1
        return top

    def check(self, poses: np.ndarray, widths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Label candidates: poses (n, 4, 4) base in the object frame, widths (n,) contact widths, m.

        Returns (openings (n,) -- the pre-grasp rung for free candidates, the first rung tested for
        colliding ones, metres; reasons (n,) int8 -- NONE, FINGER or PALM).
        """
        top = len(self.openings) - 1
        first = np.searchsorted(self.openings, widths + 2 * self.clearance, side="right")
        rung = np.minimum(first, top)
        reasons = np.zeros(len(poses), dtype=np.int8)
        for i, pose in enumerate(poses):
            k = int(first[i])
            if k > top:  # no rung clears the contacts: callers filter these out first
                reasons[i] = FINGER
                continue
            self._place(pose)
            if self._hit(("palm",)):
                reasons[i] = PALM
                continue
            widest = self._widest_free(k)
            if widest < k:
                reasons[i] = FINGER
            else:
                rung[i] = widest
        free = np.flatnonzero(reasons == NONE)
        reasons[free] = self._containment(poses[free], rung[free])
        return self.openings[rung], reasons

    def check_open(self, poses: np.ndarray) -> np.ndarray:
        """Reasons (n,) int8 for poses (n, 4, 4) with the fingers fully open and not moving."""
        top = len(self.openings) - 1
        reasons = np.zeros(len(poses), dtype=np.int8)
        for i, pose in enumerate(poses):
            self._place(pose)
            reasons[i] = (
                PALM if self._hit(("palm",)) else FINGER if self._hit(("fingers", top, top)) else NONE
            )
        free = np.flatnonzero(reasons == NONE)
        reasons[free] = self._containment(poses[free], np.full(len(free), top))
        return reasons

    def _containment(self, poses: np.ndarray, rungs: np.ndarray) -> np.ndarray:
        """Reasons (n,) int8 for a body wholly inside the object or the object wholly inside a body."""
        reasons = np.zeros(len(poses), dtype=np.int8)
        if len(poses) == 0:
            return reasons
        body_poses = self._ladder_poses[rungs]  # (n, b, 4, 4)
        centres = np.array([m.bounds.mean(axis=0) for m in self.model.meshes])  # (b, 3) body frame
        at = np.einsum("nbij,bj->nbi", body_poses[..., :3, :3], centres) + body_poses[..., :3, 3]
        world = np.einsum("nij,nbj->nbi", poses[:, :3, :3], at) + poses[:, None, :3, 3]
        inside = (
            self._mesh.contains(world.reshape(-1, 3)).reshape(world.shape[:2])
            if self._watertight
            else np.zeros(world.shape[:2], dtype=bool)
        )
        probe = np.einsum("nij,j->ni", np.linalg.inv(poses), self._probe)[:, :3]  # object vertex, base frame
        for b, mesh in enumerate(self.model.meshes):
            rot, shift = body_poses[:, b, :3, :3], body_poses[:, b, :3, 3]
            local = np.einsum("nji,nj->ni", rot, probe - shift)  # probe in the body's frame
            near = np.all((local >= mesh.bounds[0]) & (local <= mesh.bounds[1]), axis=1)
            swallowed = np.zeros(len(poses), dtype=bool)
            if near.any() and mesh.is_watertight:
                swallowed[near] = mesh.contains(local[near])
            hit = (inside[:, b] | swallowed) & (reasons == NONE)
            reasons[hit] = FINGER if self._moving[b] else PALM
        return reasons
