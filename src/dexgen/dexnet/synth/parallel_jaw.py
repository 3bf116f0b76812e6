"""The parallel-jaw task (Dex-Net 2.0 style): top-down planar grasps on each stable pose, labelled by
our physics simulation, with Dex-Net's robust Ferrari-Canny stored beside it.

Fields beside Dex-Net 2.0's: ``sim_success`` and ``sim_score`` (physics, 0 when colliding) and
``collision_free`` (table and approach), all float32. The training label is ``label_field >
label_threshold`` of ``dexnet.synth.parallel_jaw`` (``sim_success`` by default).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import trimesh

from dexgen import portable
from dexgen.dexnet.fields import FieldSpec, task_spec
from dexgen.dexnet.synth.camera import Intrinsics, sample_cameras
from dexgen.dexnet.synth.crops import grasp_crops
from dexgen.dexnet.synth.planar_grasps import (
    collision_free,
    ferrari_canny_labels,
    grasp_frames,
    sample_grasps,
)
from dexgen.dexnet.synth.poses import Rests, stable_poses
from dexgen.dexnet.synth.render import intersector, render_depth
from dexgen.dexnet.synth.task import Simulate, SynthTask, centre_of_mass, object_centre_px, stack, to_camera
from dexgen.grippers.kinds import PARALLEL_JAW
from dexgen.grippers.spec import ParallelJawGripper
from dexgen.params.synth import SynthConfig
from dexgen.portable import matmul, rigid_inverse

EXTRA_FIELDS = {name: FieldSpec("float32", ()) for name in ("sim_success", "sim_score", "collision_free")}


def label(cfg: SynthConfig) -> tuple[str, float]:
    return cfg.parallel_jaw.label_field, cfg.parallel_jaw.label_threshold


def summary(data: dict[str, np.ndarray], cfg: SynthConfig) -> dict[str, Any]:
    """The physics and Ferrari-Canny positive rates of the written rows."""
    fc_t = cfg.parallel_jaw.fc_threshold
    return {
        "robust_ferrari_canny_positive_rate": round(float((data["robust_ferrari_canny"] > fc_t).mean()), 4),
        "robust_ferrari_canny_threshold": fc_t,
        "sim_success_rate": round(float(data["sim_success"].mean()), 4),
        "collision_free_rate": round(float(data["collision_free"].mean()), 4),
    }


def _hand_poses(grasps, gripper: ParallelJawGripper, mesh_t, T_cam, intr) -> tuple[np.ndarray, ...]:
    """Dex-Net 2.0's 7 hand-pose columns of each grasp in one view (centre pixel row and column, depth,
    the grasp axis's image angle, the object's centre pixel, the open jaws' length in pixels), the centre
    pixels and the image angles."""
    n = len(grasps)
    half = gripper.max_opening / 2 * grasps.axes
    uv = intr.project(to_camera(grasps.centres, T_cam))
    ends = intr.project(to_camera(np.concatenate([grasps.centres - half, grasps.centres + half]), T_cam))
    d = ends[n:] - ends[:n]
    angle = np.mod(portable.arctan2(d[:, 1], d[:, 0]), 2 * np.pi)
    z = to_camera(grasps.centres, T_cam)[:, 2]
    obj = object_centre_px(mesh_t, T_cam, intr)
    columns = [
        uv[:, 1],
        uv[:, 0],
        z,
        angle,
        np.full(n, obj[1]),
        np.full(n, obj[0]),
        np.linalg.norm(d, axis=1),
    ]
    return np.column_stack(columns), uv, angle


def datapoints(
    mesh: trimesh.Trimesh,
    gripper: ParallelJawGripper,
    cfg: SynthConfig,
    *,
    rests: Rests,
    rng: np.random.Generator,
    simulate: Simulate,
) -> dict[str, np.ndarray]:
    """The parallel-jaw datapoints of one object (``mesh`` in its own frame, metres); see the module doc.

    Extra fields beside Dex-Net 2.0's: ``sim_success`` and ``sim_score`` (physics, 0 when colliding)
    and ``collision_free`` (table and approach), all float32.
    """
    pj = cfg.parallel_jaw
    cam_cfg = pj.camera
    intr = Intrinsics.from_config(cam_cfg)
    poses, _ = stable_poses(
        mesh, rests, count=cfg.poses_per_object, min_probability=cfg.min_pose_probability, rng=rng
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
    T_obj_base = np.concatenate([matmul(rigid_inverse(p[0]), p[4][p[5]]) for p in per_pose])
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
            hand, uv, angle = _hand_poses(grasps, gripper, mesh_t, T_cam, intr)
            parts.append(
                {
                    "depth_ims_tf_table": grasp_crops(
                        depth, uv, angle, crop_size=cfg.crop_of("parallel_jaw")
                    ),
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
    return stack(parts)


TASK = SynthTask(
    spec=task_spec("parallel_jaw"),
    gripper_kind=PARALLEL_JAW,
    extra_fields=EXTRA_FIELDS,
    uses_physics=True,
    datapoints=datapoints,
    label=label,
    summary=summary,
)
