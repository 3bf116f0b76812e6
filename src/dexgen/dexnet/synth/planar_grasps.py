"""Top-down planar parallel-jaw grasps on a resting object, and their labels (``dexnet.md`` §4).

Dex-Net 2.0 kept grasps whose approach lies within 5 degrees of the table normal; here every grasp
approaches straight down (the camera side) with its closing axis in the table plane. Candidates are a
mix of planar antipodal grasps (contact normals within the friction cone, Dex-Net's sampler restricted
to horizontal axes) and uniformly random planar grasps over the object's footprint. Each is checked for
collision with the table (fingertips above it) and with the object along a 10 cm straight approach
(open gripper swept along its approach), then

- simulated by the physics backend (``sim.backend``): the trial's success and score;
- scored by robust Ferrari-Canny: the mean over perturbations of the grasp of the quality of the two
  contacts the jaws meet along the closing line, times the collision-free flag (Dex-Net's metric).

All geometry is in the table frame (z up, table top at z = 0, metres) unless a name says otherwise.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import trimesh
from scipy.spatial.transform import Rotation

from dexgen.dexnet.synth.quality import contact_wrenches, ferrari_canny, force_closure
from dexgen.dexnet.synth.render import first_hits
from dexgen.grippers.geometry import bodies
from dexgen.grippers.spec import ParallelJawGripper
from dexgen.params.synth import ParallelJawConfig

DOWN = np.array([0.0, 0.0, -1.0])
_RAY_BACK = 1e-4  # m; rays start this far outside their surface point so they do not hit it again


@dataclasses.dataclass
class PlanarGrasps:
    """n top-down grasps: TCP ``centres`` (n, 3) and unit horizontal closing ``axes`` (n, 3), table frame."""

    centres: np.ndarray
    axes: np.ndarray
    antipodal: np.ndarray  # (n,) bool -- drawn by the antipodal sampler (else random)

    def __len__(self) -> int:
        return len(self.centres)


def grasp_frames(grasps: PlanarGrasps, gripper: ParallelJawGripper) -> np.ndarray:
    """(n, 4, 4) float64 T_table_base: gripper base frames (+z approach = down, +x closing axis)."""
    x = grasps.axes
    z = np.broadcast_to(DOWN, x.shape)
    y = np.cross(z, x)
    T = np.broadcast_to(np.eye(4), (len(x), 4, 4)).copy()
    T[:, :3, 0], T[:, :3, 1], T[:, :3, 2] = x, y, z
    T[:, :3, 3] = grasps.centres - gripper.tcp_depth * z
    return T


def _horizontal(v: np.ndarray) -> np.ndarray:
    h = v.copy()
    h[:, 2] = 0.0
    return h / np.linalg.norm(h, axis=1, keepdims=True)


def sample_grasps(
    mesh: trimesh.Trimesh,
    caster,
    gripper: ParallelJawGripper,
    cfg: ParallelJawConfig,
    *,
    rng: np.random.Generator,
) -> PlanarGrasps:
    """``cfg.grasps_per_pose`` planar grasps on ``mesh`` (resting, table frame); antipodal ones first."""
    want_anti = int(round(cfg.grasps_per_pose * cfg.antipodal_fraction))
    centres, axes = [], []
    cone = math.atan(cfg.friction_coef)  # math, not numpy: numpy's arctan bits vary by CPU
    for _ in range(4):  # a few rounds of oversampling; thin or round objects may yield little
        need = want_anti - sum(len(c) for c in centres)
        if need <= 0:
            break
        points, faces = trimesh.sample.sample_surface(mesh, 8 * need + 16, seed=int(rng.integers(2**31)))
        normals = mesh.face_normals[faces]
        side = np.abs(normals[:, 2]) <= np.sin(np.deg2rad(cfg.max_normal_tilt))
        points, normals = points[side], normals[side]
        if not len(points):
            continue
        axis = -_horizontal(normals)  # into the object
        turn = rng.uniform(-cone / 2, cone / 2, len(axis))  # a closing direction inside the friction cone
        c, s = np.cos(turn), np.sin(turn)
        axis = np.stack([c * axis[:, 0] - s * axis[:, 1], s * axis[:, 0] + c * axis[:, 1], axis[:, 2]], 1)
        hit, dist, face = first_hits(caster, points + _RAY_BACK * axis, axis)
        far = points + _RAY_BACK * axis + np.where(hit, dist, 0.0)[:, None] * axis
        width = np.where(hit, dist + _RAY_BACK, np.inf)
        ok = hit & (width >= cfg.min_width) & (width <= gripper.max_opening - cfg.width_margin)
        if ok.any():
            n_far = mesh.face_normals[np.where(ok, face, 0)]
            line_ok = np.einsum("ij,ij->i", n_far, axis) >= np.cos(cone)  # outward normal along the line
            line_ok &= np.einsum("ij,ij->i", -normals, axis) >= np.cos(cone)
            ok &= line_ok
        centre = (points + far) / 2
        lift = rng.uniform(*cfg.contact_lift, len(centre))
        centre[:, 2] += np.minimum(lift, gripper.finger.pad_length / 2)
        centres.append(centre[ok][:need])
        axes.append(axis[ok][:need])
    anti_c = np.concatenate(centres) if centres else np.zeros((0, 3))
    anti_a = np.concatenate(axes) if axes else np.zeros((0, 3))

    n_rand = cfg.grasps_per_pose - len(anti_c)
    lo, hi = mesh.bounds
    xy = rng.uniform(lo[:2] - 0.01, hi[:2] + 0.01, (n_rand, 2))
    top_hit, top_dist, _ = first_hits(
        caster,
        np.column_stack([xy, np.full(n_rand, hi[2] + 0.05)]),
        np.broadcast_to(DOWN, (n_rand, 3)).copy(),
    )
    top = hi[2] + 0.05 - top_dist
    z = np.where(
        top_hit, top - rng.uniform(*cfg.random_depth, n_rand), rng.uniform(0.0, hi[2] + 1e-6, n_rand)
    )
    z = np.maximum(z, 0.0)  # the TCP stays above the table; the fingertip check decides collisions
    phi = rng.uniform(0.0, 2 * np.pi, n_rand)
    rand_c = np.column_stack([xy, z])
    rand_a = np.column_stack([np.cos(phi), np.sin(phi), np.zeros(n_rand)])
    return PlanarGrasps(
        centres=np.concatenate([anti_c, rand_c]),
        axes=np.concatenate([anti_a, rand_a]),
        antipodal=np.concatenate([np.ones(len(anti_c), bool), np.zeros(n_rand, bool)]),
    )


def sweep_mesh(gripper: ParallelJawGripper, approach_length: float) -> trimesh.Trimesh:
    """The open gripper's bodies stretched back along -z by ``approach_length`` (gripper base frame).

    A box translating along its own z sweeps a longer box, so one mesh covers the whole straight
    approach from ``approach_length`` above the grasp down to it.
    """
    meshes = []
    for body in bodies(gripper, gripper.max_opening):
        size = np.array(body.size, dtype=np.float64)
        size[2] += approach_length
        pose = body.pose.copy()
        pose[2, 3] -= approach_length / 2
        meshes.append(trimesh.creation.box(extents=size, transform=pose))
    return trimesh.util.concatenate(meshes)


def collision_free(
    mesh: trimesh.Trimesh, frames: np.ndarray, gripper: ParallelJawGripper, cfg: ParallelJawConfig
) -> np.ndarray:
    """(n,) bool -- fingertips clear the table and the open gripper's approach misses the object.

    frames : (n, 4, 4) float64 -- T_table_base of each grasp
    """
    tips = frames[:, 2, 3] - gripper.fingertip_depth  # base z minus the reach along the downward approach
    ok = tips >= cfg.table_clearance
    manager = trimesh.collision.CollisionManager()
    manager.add_object("object", mesh)
    sweep = sweep_mesh(gripper, cfg.approach_length)
    for i in np.flatnonzero(ok):
        ok[i] = not manager.in_collision_single(sweep, transform=frames[i])
    return ok


def jaw_contacts(
    mesh: trimesh.Trimesh, caster, centres: np.ndarray, axes: np.ndarray, opening: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where closing jaws first meet the surface along the closing line through each centre.

    Returns ``(found (n,) bool, points (n, 2, 3), normals_in (n, 2, 3))``: jaw 0 comes from
    ``centre - axis * opening / 2`` moving +axis, jaw 1 from the other side; normals point into the object.
    """
    n = len(centres)
    starts = np.concatenate([centres - axes * opening / 2, centres + axes * opening / 2])
    dirs = np.concatenate([axes, -axes])
    hit, dist, face = first_hits(caster, starts, dirs)
    hit &= dist <= opening
    points = starts + np.where(hit, dist, 0.0)[:, None] * dirs
    normals = -mesh.face_normals[np.where(hit, face, 0)]
    found = hit[:n] & hit[n:]
    return found, np.stack([points[:n], points[n:]], 1), np.stack([normals[:n], normals[n:]], 1)


def ferrari_canny_labels(
    mesh: trimesh.Trimesh,
    caster,
    grasps: PlanarGrasps,
    com: np.ndarray,
    gripper: ParallelJawGripper,
    cfg: ParallelJawConfig,
    *,
    rng: np.random.Generator,
    evaluate: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ferrari_canny, robust_ferrari_canny, force_closure), each (n,) float64, for grasps in ``evaluate``.

    The robust value is the mean over ``cfg.num_perturbations`` draws of the grasp centre (N(0,
    sigma_translation) per axis), the closing axis (rotation vector N(0, sigma_rotation)) and friction
    (N(mu, friction_std) clipped to [0, 1]). Grasps not in ``evaluate`` (colliding) get zeros.
    """
    n = len(grasps)
    scale = cfg.torque_scaling or 1.0 / float(np.median(mesh.extents))
    fc = np.zeros(n)
    robust = np.zeros(n)
    closure = np.zeros(n)
    idx = np.flatnonzero(evaluate)
    k = cfg.num_perturbations
    if not len(idx):
        return fc, robust, closure

    def quality(points, normals, mu):
        w = contact_wrenches(
            points, normals, com, mu=mu, torque_scaling=scale, finger_radius=cfg.finger_radius
        )
        return ferrari_canny(w)

    found, pts, nrm = jaw_contacts(mesh, caster, grasps.centres[idx], grasps.axes[idx], gripper.max_opening)
    for j, i in enumerate(idx):
        if found[j]:
            fc[i] = quality(pts[j], nrm[j], cfg.friction_coef)
            closure[i] = float(force_closure(pts[j], nrm[j], mu=cfg.friction_coef))
    # perturbations: (len(idx) * k) jittered grasps, one ray cast for all
    c = np.repeat(grasps.centres[idx], k, axis=0) + rng.normal(0.0, cfg.sigma_translation, (len(idx) * k, 3))
    rot = Rotation.from_rotvec(rng.normal(0.0, cfg.sigma_rotation, (len(idx) * k, 3)))
    a = rot.apply(np.repeat(grasps.axes[idx], k, axis=0))
    mu = np.clip(rng.normal(cfg.friction_coef, cfg.friction_std, len(idx) * k), 0.0, 1.0)
    found_p, pts_p, nrm_p = jaw_contacts(mesh, caster, c, a, gripper.max_opening)
    q = np.zeros(len(idx) * k)
    for m in np.flatnonzero(found_p & (mu > 0)):
        if np.linalg.norm(pts_p[m, 1] - pts_p[m, 0]) >= cfg.min_width:
            q[m] = quality(pts_p[m], nrm_p[m], mu[m])
    robust[idx] = q.reshape(len(idx), k).mean(axis=1)
    return fc, robust, closure
