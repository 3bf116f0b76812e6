"""One object's Dex-Net datapoints per task: stable poses x camera views x grasps -> crops, poses, labels.

Both tasks share the flow of Dex-Net's generator (``dexnet.md`` §4): rest the object in each stable
pose, draw grasps on it (their labels depend on the pose, not the camera), then render
``images_per_pose`` depth images and cut one thumbnail per grasp per image. Physics enters through a
``simulate`` callable so this module does not own a backend (the stage does; tests pass a stand-in).

Returned arrays (n datapoints of one object, local indices):
``depth_ims_tf_table`` (n, 32, 32, 1) float32 metres; ``hand_poses`` (n, 7) float32; the task's metric
fields (n,) float32; ``pose_index`` / ``image_index`` (n,) uint32 -- local stable-pose and image ids.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import trimesh

from dexgen.dexnet.fields import IMAGE_SIZE
from dexgen.dexnet.synth.camera import Intrinsics, sample_cameras
from dexgen.dexnet.synth.config import SynthConfig
from dexgen.dexnet.synth.crops import grasp_crops
from dexgen.dexnet.synth.parallel_jaw import (
    collision_free,
    ferrari_canny_labels,
    grasp_frames,
    sample_grasps,
)
from dexgen.dexnet.synth.poses import stable_poses
from dexgen.dexnet.synth.render import first_hits, intersector, render_depth
from dexgen.dexnet.synth.suction import CupModel, robust_wrench_resistance
from dexgen.grippers.spec import ParallelJawGripper, SuctionGripper

log = logging.getLogger(__name__)

# simulate(T_obj_base (n, 4, 4), openings (n,)) -> (success (n,) bool, score (n,) float64)
Simulate = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def centre_of_mass(mesh: trimesh.Trimesh) -> np.ndarray:
    """(3,) float64 -- centre of mass of the solid (its hull when the mesh is not watertight), metres."""
    solid = mesh if mesh.is_watertight and mesh.volume > 0 else mesh.convex_hull
    return np.asarray(solid.center_mass, dtype=np.float64)


def _to_camera(points: np.ndarray, T_table_cam: np.ndarray) -> np.ndarray:
    return (points - T_table_cam[:3, 3]) @ T_table_cam[:3, :3]


def _object_centre_px(mesh_t: trimesh.Trimesh, T_table_cam: np.ndarray, intr: Intrinsics) -> np.ndarray:
    return intr.project(_to_camera(mesh_t.bounds.mean(axis=0)[None], T_table_cam))[0]


def _stack(parts: list[dict]) -> dict[str, np.ndarray]:
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}


def parallel_jaw_datapoints(
    mesh: trimesh.Trimesh,
    gripper: ParallelJawGripper,
    cfg: SynthConfig,
    *,
    simulate: Simulate,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """The parallel-jaw datapoints of one object (``mesh`` in its own frame, metres); see the module doc.

    Extra fields beside Dex-Net 2.0's: ``sim_success`` and ``sim_score`` (physics, 0 when colliding)
    and ``collision_free`` (table and approach), all float32.
    """
    pj, cam_cfg = cfg.parallel_jaw, cfg.camera("parallel_jaw")
    intr = Intrinsics.from_config(cam_cfg)
    poses, _ = stable_poses(
        mesh, count=cfg.poses_per_object, min_probability=cfg.min_pose_probability, rng=rng
    )
    com = centre_of_mass(mesh)
    per_pose = []
    for T in poses:
        mesh_t = mesh.copy()
        mesh_t.apply_transform(T)
        caster = intersector(mesh_t)
        grasps = sample_grasps(mesh_t, caster, gripper, pj, rng=rng)
        frames = grasp_frames(grasps, gripper)
        free = collision_free(mesh_t, frames, gripper, pj)
        com_t = trimesh.transform_points(com[None], T)[0]
        fc, rfc, closure = ferrari_canny_labels(
            mesh_t, caster, grasps, com_t, gripper, pj, rng=rng, evaluate=free
        )
        per_pose.append((T, mesh_t, caster, grasps, frames, free, fc, rfc * free, closure))

    # one physics call per object: every collision-free grasp of every pose, gripper in the object frame
    T_obj_base = np.concatenate([np.linalg.inv(p[0]) @ p[4][p[5]] for p in per_pose])
    success = np.zeros(len(T_obj_base), bool)
    score = np.zeros(len(T_obj_base))
    if len(T_obj_base):
        success, score = simulate(T_obj_base, np.full(len(T_obj_base), gripper.max_opening))
    parts, start, image = [], 0, 0
    for k, (_, mesh_t, caster, grasps, _, free, fc, rfc, closure) in enumerate(per_pose):
        n = len(grasps)
        ok = np.zeros(n)
        sc = np.zeros(n)
        m = int(free.sum())
        ok[free] = success[start : start + m]
        sc[free] = score[start : start + m]
        start += m
        cameras = sample_cameras(cam_cfg, mesh_t.bounds.mean(axis=0), rng=rng)
        for T_cam in cameras:
            depth, _ = render_depth(caster, mesh_t.bounds, T_cam, intr)
            half = gripper.max_opening / 2 * grasps.axes
            uv = intr.project(_to_camera(grasps.centres, T_cam))
            ends = intr.project(
                _to_camera(np.concatenate([grasps.centres - half, grasps.centres + half]), T_cam)
            )
            d = ends[n:] - ends[:n]
            angle = np.mod(np.arctan2(d[:, 1], d[:, 0]), 2 * np.pi)
            z = _to_camera(grasps.centres, T_cam)[:, 2]
            obj = _object_centre_px(mesh_t, T_cam, intr)
            hand = np.column_stack(
                [
                    uv[:, 1],
                    uv[:, 0],
                    z,
                    angle,
                    np.full(n, obj[1]),
                    np.full(n, obj[0]),
                    np.linalg.norm(d, axis=1),
                ]
            )
            parts.append(
                {
                    "depth_ims_tf_table": grasp_crops(depth, uv, angle, crop_size=cfg.crop_size),
                    "hand_poses": hand.astype(np.float32),
                    "robust_ferrari_canny": rfc.astype(np.float32),
                    "ferrari_canny": fc.astype(np.float32),
                    "force_closure": closure.astype(np.float32),
                    "sim_success": ok.astype(np.float32),
                    "sim_score": sc.astype(np.float32),
                    "collision_free": free.astype(np.float32),
                    "antipodal": grasps.antipodal.astype(np.float32),
                    "pose_index": np.full(n, k, np.uint32),
                    "image_index": np.full(n, image, np.uint32),
                }
            )
            image += 1
    return _stack(parts)


def suction_datapoints(
    mesh: trimesh.Trimesh, gripper: SuctionGripper, cfg: SynthConfig, *, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """The suction datapoints of one object (``mesh`` in its own frame, metres); see the module doc.

    Targets are visible surface points (pixels of the object's mask); the approach is the inward normal
    tilted by ``approach_noise`` and kept within ``max_approach_angle`` of the optical axis.
    """
    sc, cam_cfg = cfg.suction, cfg.camera("suction")
    intr = Intrinsics.from_config(cam_cfg)
    cup = CupModel.from_config(gripper, sc)
    poses, _ = stable_poses(
        mesh, count=cfg.poses_per_object, min_probability=cfg.min_pose_probability, rng=rng
    )
    com = centre_of_mass(mesh)
    parts, image = [], 0
    cos_max = np.cos(np.deg2rad(sc.max_approach_angle))
    for k, T in enumerate(poses):
        mesh_t = mesh.copy()
        mesh_t.apply_transform(T)
        caster = intersector(mesh_t)
        com_t = trimesh.transform_points(com[None], T)[0]
        for T_cam in sample_cameras(cam_cfg, mesh_t.bounds.mean(axis=0), rng=rng):
            depth, mask = render_depth(caster, mesh_t.bounds, T_cam, intr)
            rows, cols = np.nonzero(mask)
            if not len(rows):
                continue
            pick = rng.choice(len(rows), size=3 * sc.points_per_pose, replace=True)
            dirs = intr.rays(cols[pick], rows[pick]) @ T_cam[:3, :3].T
            eye = np.broadcast_to(T_cam[:3, 3], dirs.shape).copy()
            hit, dist, face = first_hits(caster, eye, dirs)
            p = eye + np.where(hit, dist, 0.0)[:, None] * dirs
            a = -mesh_t.face_normals[np.where(hit, face, 0)]
            tilt = np.deg2rad(sc.approach_noise) * rng.normal(size=(len(a), 3))
            a = a + np.cross(tilt, a)  # small rotation of the approach (first order), renormalised
            a /= np.linalg.norm(a, axis=1, keepdims=True)
            optical = T_cam[:3, 2]
            keep = np.flatnonzero(hit & (a @ optical >= cos_max))[: sc.points_per_pose]
            if not len(keep):
                continue
            p, a = p[keep], a[keep]
            metric = robust_wrench_resistance(caster, p, a, com_t, cup, sc, rng=rng)
            uv = intr.project(_to_camera(p, T_cam))
            tip = intr.project(_to_camera(p + 0.01 * a, T_cam))
            d = tip - uv
            phi = np.where(np.linalg.norm(d, axis=1) > 1e-9, np.arctan2(d[:, 1], d[:, 0]), np.pi / 2)
            angle = np.mod(phi - np.pi / 2, 2 * np.pi)  # the projected approach runs down the middle column
            approach_angle = np.arccos(np.clip(a @ optical, -1.0, 1.0))
            obj = _object_centre_px(mesh_t, T_cam, intr)
            n = len(p)
            z = _to_camera(p, T_cam)[:, 2]
            hand = np.column_stack(
                [uv[:, 1], uv[:, 0], z, approach_angle, angle, np.full(n, obj[1]), np.full(n, obj[0])]
            )
            parts.append(
                {
                    "depth_ims_tf_table": grasp_crops(depth, uv, angle, crop_size=cfg.crop_size),
                    "hand_poses": hand.astype(np.float32),
                    "robust_suction_wrench_resistance": metric.astype(np.float32),
                    "pose_index": np.full(n, k, np.uint32),
                    "image_index": np.full(n, image, np.uint32),
                }
            )
            image += 1
    if not parts:
        # Nothing reachable from any view (a tiny object, or one view only): no datapoints from this
        # object, which the task summary counts, rather than a failed stage.
        log.warning("suction: no visible surface point within the approach cone in any view")
        return {
            "depth_ims_tf_table": np.zeros((0, IMAGE_SIZE, IMAGE_SIZE, 1), np.float32),
            "hand_poses": np.zeros((0, 7), np.float32),
            "robust_suction_wrench_resistance": np.zeros(0, np.float32),
            "pose_index": np.zeros(0, np.uint32),
            "image_index": np.zeros(0, np.uint32),
        }
    return _stack(parts)
