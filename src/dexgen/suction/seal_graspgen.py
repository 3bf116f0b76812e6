"""GraspGen's seal test (``SuctionCupArray.is_sealed``) reproduced exactly, vectorised over grasps.

Per cup, in its lip frame ``T_obj_cup = T_obj_grasp @ pose`` (+z out of the object):

1. **Holes**: a ray from every hole-check point along -z must hit the object (anywhere ahead: a far
   wall counts, as in GraspGen).
2. **Springs**: a ray from every lip vertex along -z; a miss fails the cup (GraspGen's ``RuntimeError``).
   The apex goes to ``origin + (height - mean_i d_i) z`` where ``d_i <= 0`` is the hit's height in the lip
   frame (GraspGen's ``min(0, mean d - height)`` keeps it above), and every perimeter, flexion and cone
   spring between the hits and the apex must stay within ``1 +- spring_max_length_change`` of its rest
   length (strict: a length past a bound fails).

Quirks kept, so our labels are GraspGen's (grippers.md §5): the apex rises with the mean gap, so the
cone allows only ~0.85 mm of sag under a 30 mm lip (spheres under ~150 mm radius never seal); the
first hit along the whole ray counts, however far; no test that the cup body clears the object (its
``suction_cup_collision`` is hard-wired False). Rays are cast by embree with ``scale_to_box`` as GraspGen
does, so borderline hits match.
"""

from __future__ import annotations

import numpy as np
import trimesh

from dexgen.errors import DexgenError
from dexgen.suction.cup import CupArray


def caster(mesh: trimesh.Trimesh):
    """The embree intersector GraspGen uses (``scale_to_box=True``); no silent fallback to the slow one."""
    if not trimesh.ray.has_embree:
        raise DexgenError("embree ray casting is not available (pip install embreex); suction labels need it")
    from trimesh.ray.ray_pyembree import RayMeshIntersector

    return RayMeshIntersector(mesh, scale_to_box=True)


def first_hit_points(cast, origins: np.ndarray, directions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(hit (n,) bool, location (n, 3) float64, nan on a miss) of each ray's first intersection."""
    n = len(origins)
    loc = np.full((n, 3), np.nan)
    if n == 0:
        return np.zeros(0, bool), loc
    _, ray, where = cast.intersects_id(origins, directions, multiple_hits=False, return_locations=True)
    hit = np.zeros(n, bool)
    hit[ray] = True
    loc[ray] = where
    return hit, loc


def _frames(cup: CupArray, T_obj_grasp: np.ndarray) -> np.ndarray:
    """(n, k, 4, 4) -- each cup's lip frame in the object frame."""
    return np.einsum("nij,kjl->nkil", T_obj_grasp, cup.poses)


def _cast_from(cast, frames: np.ndarray, local: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rays from ``local`` (P, 3) lip-frame points along each frame's -z: (hit (F, P), location (F, P, 3))."""
    F, P = len(frames), len(local)
    origins = np.einsum("fij,pj->fpi", frames[:, :3, :3], local) + frames[:, None, :3, 3]
    dirs = np.broadcast_to(-frames[:, None, :3, 2], (F, P, 3))
    hit, loc = first_hit_points(cast, origins.reshape(-1, 3), np.ascontiguousarray(dirs.reshape(-1, 3)))
    return hit.reshape(F, P), loc.reshape(F, P, 3)


def sealed_cups(cast, cup: CupArray, T_obj_grasp: np.ndarray) -> np.ndarray:
    """(n, k) bool -- GraspGen's ``is_sealed`` of each cup of each grasp.

    cast : :func:`caster` of the object mesh; T_obj_grasp : (n, 4, 4) float64 -- grasp (plate) frames in
    the object frame, GraspGen's convention, metres.
    """
    T = np.asarray(T_obj_grasp, dtype=np.float64).reshape(-1, 4, 4)
    n, k = len(T), cup.num_cups
    frames = _frames(cup, T).reshape(n * k, 4, 4)
    ok = np.zeros(n * k, bool)
    if n == 0:
        return ok.reshape(0, k)
    hole_hit, _ = _cast_from(cast, frames, cup.holes)
    ok = hole_hit.all(axis=1)
    idx = np.flatnonzero(ok)
    if len(idx):
        ok[idx] = _springs_hold(cast, cup, frames[idx])
    return ok.reshape(n, k)


def _springs_hold(cast, cup: CupArray, frames: np.ndarray) -> np.ndarray:
    """(F,) bool -- every lip ray hits and every spring stays within its stretch band."""
    hit, ring = _cast_from(cast, frames, cup.ring)
    ok = hit.all(axis=1)
    z, origin = frames[:, :3, 2], frames[:, :3, 3]
    ring = np.where(ok[:, None, None], ring, 0.0)
    d = np.einsum("fpi,fi->fp", ring - origin[:, None], z)
    apex_param = np.minimum(0.0, d.sum(axis=1) / len(cup.ring) - cup.height)
    apex = origin - apex_param[:, None] * z
    rest = cup.rest_lengths()
    lengths = (
        np.linalg.norm(ring - np.roll(ring, -1, axis=1), axis=2),
        np.linalg.norm(ring - np.roll(ring, -2, axis=1), axis=2),
        np.linalg.norm(ring - apex[:, None], axis=2),
    )
    for length, r0 in zip(lengths, rest):
        ok &= ~((length > r0 * (1 + cup.max_change)) | (length < r0 * (1 - cup.max_change))).any(axis=1)
    return ok
