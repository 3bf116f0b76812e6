"""Antipodal candidates on the exact mesh: surface point, ray across, friction cones, stroke.

Dex-Net style: a point ``p`` with outward face normal ``n_p`` is drawn area-uniformly; a closing
direction ``d`` is drawn uniformly inside (a fraction of) the friction cone around ``-n_p``; an embree ray from just
under ``p`` along ``d`` finds where it leaves the solid, ``q`` with normal ``n_q``. The pair is
antipodal when ``d`` is inside both friction cones (half-angle atan(mu)), and graspable when its
width ``|q - p|`` fits the stroke with the clearance on both sides. The grasp frame then puts the
closing axis +x along ``d``, a uniformly random roll about it, and the contact midpoint at a
depth drawn behind the TCP along +z (GraspGen convention, graspgen-format.md §3).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import trimesh

from dexgen.grippers.spec import ParallelJawGripper

RAY_EPS = 1e-5  # m: rays start this far under the surface so they do not hit their own face


@dataclasses.dataclass
class Candidates:
    """Graspable antipodal candidates of one batch, in sampling order.

    poses : (n, 4, 4) float64 -- gripper base in the object frame, metres
    widths : (n,) float64 -- contact separation along +x, metres
    contacts : (n, 2, 3) float64 -- [finger_neg, finger_pos] contact points, object frame
    normals : (n, 2, 3) float64 -- outward unit surface normals at the contacts
    rejected : counts of surface samples dropped, by reason
    """

    poses: np.ndarray
    widths: np.ndarray
    contacts: np.ndarray
    normals: np.ndarray
    rejected: dict[str, int]


def sample_surface(
    mesh: trimesh.Trimesh, count: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``count`` area-uniform surface points and their face indices: (count, 3) float64, (count,) int64."""
    cum = np.cumsum(mesh.area_faces)
    faces = np.searchsorted(cum, rng.random(count) * cum[-1], side="right")
    faces = np.minimum(faces, len(mesh.faces) - 1)
    u, v = rng.random((2, count))
    flip = u + v > 1  # reflect into the triangle: uniform over its area
    u[flip], v[flip] = 1 - u[flip], 1 - v[flip]
    tri = mesh.triangles[faces]
    points = tri[:, 0] + u[:, None] * (tri[:, 1] - tri[:, 0]) + v[:, None] * (tri[:, 2] - tri[:, 0])
    return points, faces


def _perpendicular_basis(axis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two unit vectors (n, 3) completing ``axis`` (n, 3) to an orthonormal right-handed frame."""
    helper = np.where(np.abs(axis[:, :1]) < 0.9, [[1.0, 0.0, 0.0]], [[0.0, 1.0, 0.0]])
    u = np.cross(axis, helper)
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    return u, np.cross(axis, u)


def sample_in_cone(axis: np.ndarray, half_angle: float, rng: np.random.Generator) -> np.ndarray:
    """(n, 3) unit directions uniform on the spherical cap of ``half_angle`` around ``axis`` (n, 3)."""
    n = len(axis)
    cos_t = 1 - rng.random(n) * (1 - np.cos(half_angle))
    sin_t = np.sqrt(np.clip(1 - cos_t**2, 0, None))
    phi = rng.random(n) * 2 * np.pi
    u, v = _perpendicular_basis(axis)
    return cos_t[:, None] * axis + sin_t[:, None] * (np.cos(phi)[:, None] * u + np.sin(phi)[:, None] * v)


def grasp_frames(
    centres: np.ndarray, axes: np.ndarray, *, contact_depth: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """(n, 4, 4) base poses closing along ``axes`` with a random roll, contacts at ``contact_depth`` on +z.

    centres : (n, 3) contact midpoints, object frame; axes : (n, 3) unit closing axes (+x);
    contact_depth : (n,) metres from the base origin to the contact midpoint along +z.
    """
    u, v = _perpendicular_basis(axes)
    roll = rng.random(len(axes)) * 2 * np.pi
    y = np.cos(roll)[:, None] * u + np.sin(roll)[:, None] * v
    z = np.cross(axes, y)
    poses = np.zeros((len(axes), 4, 4))
    poses[:, :3, 0], poses[:, :3, 1], poses[:, :3, 2] = axes, y, z
    poses[:, :3, 3] = centres - contact_depth[:, None] * z
    poses[:, 3, 3] = 1.0
    return poses


def sample_antipodal(
    mesh: trimesh.Trimesh,
    gripper: ParallelJawGripper,
    count: int,
    rng: np.random.Generator,
    *,
    friction_coef: float,
    clearance: float,
    depth_offset_range: tuple[float, float],
    axis_cone_fraction: float = 0.0,
) -> Candidates:
    """Draw ``count`` surface samples and return the graspable antipodal candidates among them.

    ``axis_cone_fraction`` in [0, 1]: the closing axis is drawn within this fraction of the friction
    cone around ``-n_p``. 0 (GraspDataGen's choice) puts the first pad flush with the surface; tilted
    axes make a flat pad dig into a flat face, so they mostly end up as finger collisions.
    """
    half_angle = np.arctan(friction_coef)
    cos_cone = np.cos(half_angle) - 1e-9
    p, face_p = sample_surface(mesh, count, rng)
    n_p = mesh.face_normals[face_p]
    d = sample_in_cone(-n_p, axis_cone_fraction * half_angle, rng)
    # Draw every random number before filtering, so the stream does not depend on ray results.
    roll_rng = np.random.default_rng(rng.integers(2**63))
    offsets = rng.uniform(*depth_offset_range, size=count)

    tri, ray, hit = mesh.ray.intersects_id(p + RAY_EPS * d, d, multiple_hits=False, return_locations=True)
    q = np.full((count, 3), np.nan)
    face_q = np.full(count, -1)
    q[ray], face_q[ray] = hit, tri
    has_hit = face_q >= 0
    n_q = np.where(has_hit[:, None], mesh.face_normals[np.maximum(face_q, 0)], np.nan)
    widths = np.linalg.norm(q - p, axis=1)
    with np.errstate(invalid="ignore"):
        in_cones = (np.einsum("ij,ij->i", d, -n_p) >= cos_cone) & (np.einsum("ij,ij->i", d, n_q) >= cos_cone)
        in_stroke = (widths >= gripper.min_opening) & (widths + 2 * clearance < gripper.max_opening)
    ok = has_hit & in_cones & in_stroke
    rejected = {
        "no_exit_hit": int((~has_hit).sum()),
        "friction_cone": int((has_hit & ~in_cones).sum()),
        "stroke": int((has_hit & in_cones & ~in_stroke).sum()),
    }
    p, q, d, n_p, n_q, widths, offsets = (a[ok] for a in (p, q, d, n_p, n_q, widths, offsets))
    poses = grasp_frames((p + q) / 2, d, contact_depth=gripper.tcp_depth - offsets, rng=roll_rng)
    return Candidates(
        poses=poses,
        widths=widths,
        contacts=np.stack([p, q], axis=1),
        normals=np.stack([n_p, n_q], axis=1),
        rejected=rejected,
    )
