"""Depth images of an object resting on a table, by embree ray casting (``stack.md`` §7).

One ray per pixel centre; depth is the camera-frame z of the first hit (what a depth camera reports),
in metres. The table is the plane z = 0 of the table frame, intersected analytically, so it fills the
whole image as in Dex-Net's ``depth_ims_tf_table``. Only pixels inside the object's projected bounding
box are cast against the mesh; the rest see the table. embree is required: the pure-Python ray caster
is 27-75x slower, and a silent fall-back would turn a 1-minute stage into an hour.
"""

from __future__ import annotations

import functools

import numpy as np
import trimesh

from dexgen.dexnet.synth.camera import Intrinsics
from dexgen.errors import DexgenError
from dexgen.portable import matmul

_BEYOND = 10.0  # m; depth of a ray that misses both object and table (the sky; never at Dex-Net's angles)


def intersector(mesh: trimesh.Trimesh):
    """An embree ray intersector for ``mesh``; raises if embree is not installed (no silent fallback)."""
    if not trimesh.ray.has_embree:
        raise DexgenError(
            "embree ray casting is not available (pip install embreex); dexnet synthesis needs it "
            "(the pure-Python ray caster is 27-75x slower)"
        )
    from trimesh.ray.ray_pyembree import RayMeshIntersector

    return RayMeshIntersector(mesh)


def first_hits(
    caster, origins: np.ndarray, directions: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First intersection of each ray with the mesh.

    origins, directions : (n, 3) float64 -- any frame the mesh is in (directions need not be unit)
    Returns ``(hit (n,) bool, distance (n,) float64 in units of |direction| (inf on a miss),
    face (n,) int64, -1 on a miss)``.
    """
    n = len(origins)
    dist = np.full(n, np.inf)
    face = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return np.zeros(0, bool), dist, face
    tri, ray, loc = caster.intersects_id(origins, directions, multiple_hits=False, return_locations=True)
    if len(ray):
        d = np.asarray(directions, dtype=np.float64)[ray]
        t = np.einsum("ij,ij->i", loc - origins[ray], d) / np.einsum("ij,ij->i", d, d)
        dist[ray] = t
        face[ray] = tri
    return face >= 0, dist, face


@functools.lru_cache(maxsize=4)
def _pixel_rays(intr: Intrinsics) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(u, v) pixel grids (h, w) int and camera-frame rays (h*w, 3) with z = 1, built once per camera."""
    vv, uu = np.mgrid[0 : intr.height, 0 : intr.width]
    rays = intr.rays(uu, vv)
    for a in (uu, vv, rays):
        a.flags.writeable = False
    return uu, vv, rays


def render_depth(
    caster, mesh_bounds: np.ndarray, T_table_cam: np.ndarray, intr: Intrinsics
) -> tuple[np.ndarray, np.ndarray]:
    """Depth image of the object and the table plane z = 0, and the object's mask.

    Returns ``(depth (height, width) float32 metres, mask (height, width) bool -- object pixels)``.

    caster : intersector of the object mesh in the table frame (see :func:`intersector`)
    mesh_bounds : (2, 3) float64 -- the mesh's axis-aligned bounds in the table frame
    T_table_cam : (4, 4) float64 -- camera pose in the table frame (OpenCV camera axes)
    """
    R, eye = T_table_cam[:3, :3], T_table_cam[:3, 3]
    uu, vv, dirs_cam = _pixel_rays(intr)  # rays with z = 1: the ray parameter is the depth
    dirs = matmul(dirs_cam, R.T)  # not @: BLAS bits vary by CPU (dexgen.portable)
    depth = np.full(len(dirs), _BEYOND)
    mask = np.zeros(len(dirs), dtype=bool)
    down = dirs[:, 2] < -1e-12
    depth[down] = -eye[2] / dirs[down, 2]  # table plane z = 0

    corners = np.array(np.meshgrid(*mesh_bounds.T)).reshape(3, -1).T  # (8, 3)
    cam = matmul(corners - eye, R)
    if (cam[:, 2] > 1e-6).all():
        uv = intr.project(cam)
        lo = np.floor(uv.min(axis=0)).astype(int) - 1
        hi = np.ceil(uv.max(axis=0)).astype(int) + 1
        u0, v0 = max(lo[0], 0), max(lo[1], 0)
        u1, v1 = min(hi[0], intr.width - 1), min(hi[1], intr.height - 1)
        if u0 <= u1 and v0 <= v1:
            box = (uu >= u0) & (uu <= u1) & (vv >= v0) & (vv <= v1)
            idx = np.flatnonzero(box.ravel())
            hit, dist, _ = first_hits(caster, np.broadcast_to(eye, (len(idx), 3)).copy(), dirs[idx])
            closer = hit & (dist < depth[idx])
            depth[idx[closer]] = dist[closer]
            mask[idx[closer]] = True
    else:  # the camera is inside the object's bounds: cast everything
        hit, dist, _ = first_hits(caster, np.broadcast_to(eye, dirs.shape).copy(), dirs)
        closer = hit & (dist < depth)
        depth[closer] = dist[closer]
        mask[closer] = True
    shape = (intr.height, intr.width)
    return depth.reshape(shape).astype(np.float32), mask.reshape(shape)
