"""Pads of a real hand settled where they first touch, along the hand's own closing motion.

A sampler proposes a closing line (a surface point ``p``, the closing axis, the roll, a contact
depth offset) and where the far pad should meet the object. The hand is placed so that its bite
points (:meth:`GripperModel.bite_points`) lie on that line at the proposed width, ``offset`` metres
deeper than the bite point (the bite depth itself depends on the opening for a linkage). Then it
closes as the real hand does, along its opening table, posed at a fine ladder of openings (each pad
moving at most ``tolerance`` between two rungs), its bare meshes (the clearance is the collider's):

1. a hand whose fingers (every moving body) already touch fully open is dropped (``pad_blocked``;
   stricter than the box path, where only the pad boxes back off and a finger or palm in the way
   makes a colliding candidate: on the benchmark torus about half the real 2F-85's proposals end
   here, a fifth of the box gripper's);
2. where each pad first touches is estimated with rays from a grid on the pad along its normal
   (outward where the grid point starts inside the object, inward otherwise; embree, one batch);
3. the grasp is centred, as the box path (GraspDataGen §4 step 6): the base shifts along x so both
   pads touch at their mean opening, re-placed at that opening's bite depth;
4. every finger body together, tested with fcl, finds the first touching rung (galloping out from
   the estimate, then bisection), so a curling fingertip or a knuckle that meets the object before
   the pads decides, where it really touches.

The rays only centre the grasp: on the benchmark torus the two pads' own first touches (fcl, per
pad) at the centred pose differ by a median 0 and at most 2 mm in opening, against a median 0.5
and up to 18 mm when each pad was first settled with fcl alone (that pose then rarely holds both).
The last free rung before that touch (each pad within ``tolerance`` of it, as the box path's pads) is
the candidate's width and its contacts are the bite points there: the opening simulation closes
from, with the pose recorded as placed (the base, object frame), never re-derived from a fixed TCP
depth. Bisection assumes a finger that touches at some opening touches at every narrower one, true
for a finger closing on a solid; a side that never touches (the line misses it) drops the proposal.
"""

from __future__ import annotations

import math
import weakref

import fcl
import numpy as np
import trimesh

from dexgen.grippers.model import GripperModel
from dexgen.guess.candidates import Candidates
from dexgen.guess.model_hand import HandLimits, merged_bvh, moving, posed
from dexgen.guess.samplers.proposals import Proposals

GALLOP = 4  # the search steps out 1, 4, 16, ... fine rungs from its guess
GRID = (9, 5)  # rays along and across each pad for the first-touch estimate

_SHARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # per hand: {tolerance: {rung: BVH}}


class ModelPadSettler:
    """Settles proposals' pads on one object with one real hand (owns fcl objects, hence a class).

    ``checks`` counts fcl calls, for benchmarks.
    """

    def __init__(
        self, mesh: trimesh.Trimesh, target: fcl.CollisionObject, model: GripperModel, *, tolerance: float
    ):
        self.model, self.limits = model, HandLimits.of(model)
        self._mesh, self._target = mesh, target
        count = max(2, math.ceil((model.stroke - model.min_opening) / (2 * tolerance)) + 1)
        self.levels = np.linspace(model.stroke, model.min_opening, count)  # widest first
        self._top, self._step = float(self.levels[0]), float(self.levels[0] - self.levels[1])
        self._poses = model.body_poses(self.levels)  # (L, n, 4, 4)
        self._fingers = np.flatnonzero(moving(model))
        bites = [pad.bite_point(model.bite) for pad in model.pads]
        pads = [self._poses[:, b] for b in model.pad_bodies]
        self._bites = np.stack([p[:, :3, :3] @ q + p[:, :3, 3] for p, q in zip(pads, bites)], axis=1)
        self._mid = self._bites.mean(axis=1)  # (L, 3) the bite points' midpoint per rung
        self._parts = _SHARED.setdefault(model, {}).setdefault(tolerance, {})
        self._request = fcl.CollisionRequest()
        self.checks = 0

    def _touches(self, level: int) -> bool:
        """Do the finger bodies at fine rung ``level`` touch the object (placed by :meth:`_place`)?"""
        if level not in self._parts:
            meshes = [self.model.meshes[b] for b in self._fingers]
            self._parts[level] = merged_bvh(*posed(meshes, self._poses[level, self._fingers]))
        self.checks += 1
        return fcl.collide(self._parts[level], self._target, self._request, fcl.CollisionResult()) > 0

    def _first_touch(self, lo: int, hi: int) -> int:
        """The first fine rung touching, given ``lo`` free and ``hi`` touching (bisection)."""
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self._touches(mid):
                hi = mid
            else:
                lo = mid
        return hi

    def _search(self, guess: int) -> int:
        """The first fine rung at which the fingers touch, galloping out from ``guess`` (usually a rung
        or two away) then bisecting; -1 if they never touch."""
        last = len(self.levels) - 1
        step = 1
        if self._touches(guess):  # widen until free
            hi = guess
            while True:
                lo = max(guess - step, 0)
                if not self._touches(lo):
                    break
                if lo == 0:
                    return -1
                hi, step = lo, GALLOP * step
        else:  # narrow until touching
            lo = guess
            while True:
                hi = min(guess + step, last)
                if self._touches(hi):
                    break
                if hi == last:
                    return -1
                lo, step = hi, GALLOP * step
        return self._first_touch(lo, hi)

    def _level(self, opening: float) -> int:
        """The fine rung nearest ``opening`` (clamped to the stroke)."""
        return min(max(round((self._top - opening) / self._step), 0), len(self.levels) - 1)

    def _first_poses(
        self, rot: np.ndarray, centres: np.ndarray, offsets: np.ndarray, starts: np.ndarray
    ) -> np.ndarray:
        """(n, 4, 4) base poses putting each bite midpoint at rung ``starts`` on ``centres`` (see _place)."""
        local = self._mid[starts] - offsets[:, None] * np.array([0.0, 0.0, 1.0])
        poses = np.zeros((len(rot), 4, 4))
        poses[:, :3, :3] = rot
        poses[:, :3, 3] = centres - np.einsum("nij,nj->ni", rot, local)
        poses[:, 3, 3] = 1.0
        return poses

    def _place(self, rot: np.ndarray, centre: np.ndarray, offset: float, level: int) -> np.ndarray:
        """The base pose (4, 4) putting the bite midpoint at ``level`` on ``centre``, ``offset`` deeper;
        the object is moved into that hand frame for the tests."""
        pose = np.eye(4)
        pose[:3, :3] = rot
        pose[:3, 3] = centre - rot @ (self._mid[level] - np.array([0.0, 0.0, offset]))
        self._target.setTransform(fcl.Transform(rot.T, -rot.T @ pose[:3, 3]))
        return pose

    def _estimate(self, poses: np.ndarray, start: np.ndarray, pad: int) -> np.ndarray:
        """(n,) fine rungs where pad ``pad`` (0: -x, 1: +x) first touches, hands at ``poses`` (n, 4, 4)
        opened to rungs ``start`` (n,): rays from a grid on the pad along its normal, outward for points
        inside the object (how far it must open), inward otherwise (how far it may close)."""
        patch, body = self.model.pads[pad], self.model.pad_bodies[pad]
        across = np.cross(patch.normal, patch.axis)
        a, b = np.meshgrid(np.linspace(-1, 1, GRID[0]), np.linspace(-1, 1, GRID[1]))
        grid = (
            patch.centre
            + a.reshape(-1, 1) * patch.size[0] / 2 * patch.axis
            + b.reshape(-1, 1) * patch.size[1] / 2 * across
        )
        world = poses @ self._poses[start, body]  # (n, 4, 4) the pad body, object frame
        points = (np.einsum("nij,gj->ngi", world[:, :3, :3], grid) + world[:, None, :3, 3]).reshape(-1, 3)
        out = np.repeat(-(world[:, :3, :3] @ patch.normal), len(grid), axis=0)  # away from the other pad
        inside = _first(self._mesh, points, out, leaving=True).reshape(len(poses), -1).max(axis=1)
        front = _first(self._mesh, points, -out, leaving=False).reshape(len(poses), -1)
        front = np.where(np.isfinite(front), front, 0.0).min(axis=1)
        opening = self.levels[start] + np.where(inside > 0, 2 * inside, -2 * front)
        return np.clip(np.round((self._top - opening) / self._step), 0, len(self.levels) - 1).astype(np.int64)

    def _settle_one(self, rot: np.ndarray, centre: np.ndarray, offset: float, pads: np.ndarray):
        """(pose (4, 4), fine rung of first touch) of one proposal whose pads first touch at rungs
        ``pads`` (2,); None where the fingers never touch."""
        o_neg, o_pos = self.levels[pads[0]], self.levels[pads[1]]
        shifted = centre + rot[:, 0] * (o_pos - o_neg) / 4  # both pads now touch at their mean opening
        guess = self._level((o_neg + o_pos) / 2)
        pose = self._place(rot, shifted, offset, guess)
        level = self._search(guess)
        return None if level < 0 else (pose, level)

    def _open(
        self, rot: np.ndarray, centres: np.ndarray, offsets: np.ndarray, starts: np.ndarray
    ) -> np.ndarray:
        """(n,) bool -- proposals whose fingers are free fully open, placed at rungs ``starts``; the
        others can never settle, so no ray is cast for them."""
        free = np.zeros(len(rot), dtype=bool)
        for i in range(len(rot)):
            self._place(rot[i], centres[i], offsets[i], int(starts[i]))
            free[i] = not self._touches(0)
        return free

    def place(self, props: Proposals, clearance: float, code: int) -> Candidates:
        """Candidates from ``props``: pads settled (or, without ``props.settle``, placed at the proposed
        contacts), stroke checked. Widths are openings at first touch, contacts the bite points there."""
        n = len(props)
        poses = np.zeros((n, 4, 4))
        widths = np.full(n, np.nan)
        contacts = np.zeros((n, 2, 3))
        offsets = self.limits.tcp_depth - props.depths
        centres = props.points + props.rotations[:, :, 0] * props.far[:, None] / 2
        starts = np.array([self._level(f) for f in props.far], dtype=np.int64)
        if not props.settle:
            for i in range(n):
                poses[i] = self._place(props.rotations[i], centres[i], offsets[i], int(starts[i]))
                contacts[i] = props.points[i] + np.outer([0.0, props.far[i]], props.rotations[i][:, 0])
            widths = props.far.copy()
        else:
            ok = np.flatnonzero(self._open(props.rotations, centres, offsets, starts))
            first = self._first_poses(props.rotations[ok], centres[ok], offsets[ok], starts[ok])
            pads = np.zeros((len(ok), 2), dtype=np.int64)
            if len(ok):  # embree refuses an empty batch
                pads = np.stack([self._estimate(first, starts[ok], pad) for pad in (0, 1)], axis=1)
            for i, touch in zip(ok, pads):
                settled = self._settle_one(props.rotations[i], centres[i], offsets[i], touch)
                if settled is None:
                    continue
                poses[i], level = settled
                free = level - 1  # the last rung before the touch: free, each pad within tolerance of it
                widths[i] = self.levels[free]
                contacts[i] = self._bites[free] @ poses[i][:3, :3].T + poses[i][:3, 3]
        placed = ~np.isnan(widths)
        with np.errstate(invalid="ignore"):
            fits = (
                placed
                & (widths >= self.limits.min_opening)
                & (widths + 2 * clearance < self.limits.max_opening)
            )
        return Candidates(
            poses=poses[fits],
            widths=widths[fits],
            contacts=contacts[fits],
            normals=props.normals[fits],
            samplers=np.full(int(fits.sum()), code, dtype=np.int8),
            rejected={"pad_blocked": int((~placed).sum()), "stroke": int((placed & ~fits).sum())},
        )


def _first(
    mesh: trimesh.Trimesh, origins: np.ndarray, directions: np.ndarray, *, leaving: bool
) -> np.ndarray:
    """(n,) distance along each ray to its first surface crossing if that crossing leaves the solid
    (``leaving``) or enters it (not ``leaving``); 0 (leaving) or inf (entering) where it does not."""
    tri, ray, hit = mesh.ray.intersects_id(origins, directions, multiple_hits=False, return_locations=True)
    out = np.full(len(origins), 0.0 if leaving else np.inf)
    along = np.einsum("ij,ij->i", mesh.face_normals[tri], directions[ray])
    keep = (along > 0) if leaving else (along < 0)
    out[ray[keep]] = np.linalg.norm(hit[keep] - origins[ray[keep]], axis=1)
    return out
