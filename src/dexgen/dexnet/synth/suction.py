"""The suction task (Dex-Net 3.0 style): visible surface targets on each stable pose, labelled by
Dex-Net 3.0's seal and wrench-resistance model (:mod:`.suction_cup`); no physics engine.

Targets are visible surface points (pixels of the object's mask); the approach is the inward normal
tilted by ``approach_noise`` and kept within ``max_approach_angle`` of the optical axis. The label
is ``robust_suction_wrench_resistance > label_threshold`` of ``dexnet.synth.suction``.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import trimesh

from dexgen import portable
from dexgen.dexnet.fields import IMAGE_SIZE, task_spec
from dexgen.dexnet.synth.camera import Intrinsics, sample_cameras
from dexgen.dexnet.synth.crops import grasp_crops
from dexgen.dexnet.synth.poses import Rests, stable_poses
from dexgen.dexnet.synth.render import first_hits, intersector, render_depth
from dexgen.dexnet.synth.suction_cup import CupModel, robust_wrench_resistance
from dexgen.dexnet.synth.task import Simulate, SynthTask, centre_of_mass, object_centre_px, stack, to_camera
from dexgen.grippers.kinds import SUCTION
from dexgen.grippers.spec import SuctionGripper
from dexgen.params.synth import SynthConfig
from dexgen.portable import matmul

log = logging.getLogger(__name__)
SPEC = task_spec("suction")


def label(cfg: SynthConfig) -> tuple[str, float]:
    return SPEC.metric_field, cfg.suction.label_threshold


def summary(data: dict[str, np.ndarray], cfg: SynthConfig) -> dict[str, Any]:
    return {}


def _targets(caster, mesh_t, T_cam, intr, mask, sc, *, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Up to ``points_per_pose`` visible surface points of one view, (k, 3), their approaches (the inward
    normal tilted by ``approach_noise``), (k, 3), and the approaches' cosine to the optical axis, (k,),
    kept within ``max_approach_angle``."""
    rows, cols = np.nonzero(mask)
    pick = rng.choice(len(rows), size=3 * sc.points_per_pose, replace=True)
    dirs = matmul(intr.rays(cols[pick], rows[pick]), T_cam[:3, :3].T)  # not BLAS: CPU bits
    eye = np.broadcast_to(T_cam[:3, 3], dirs.shape).copy()
    hit, dist, face = first_hits(caster, eye, dirs)
    p = eye + np.where(hit, dist, 0.0)[:, None] * dirs
    a = -mesh_t.face_normals[np.where(hit, face, 0)]
    tilt = np.deg2rad(sc.approach_noise) * rng.normal(size=(len(a), 3))
    a = a + np.cross(tilt, a)  # small rotation of the approach (first order), renormalised
    a /= np.linalg.norm(a, axis=1, keepdims=True)
    optical = T_cam[:3, 2]
    cos_approach = matmul(a, optical[:, None])[:, 0]
    cos_max = np.cos(np.deg2rad(sc.max_approach_angle))
    keep = np.flatnonzero(hit & (cos_approach >= cos_max))[: sc.points_per_pose]
    return p[keep], a[keep], cos_approach[keep]


def _hand_poses(p, a, cos_approach, mesh_t, T_cam, intr) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dex-Net 3.0's 7 hand-pose columns of each target (pixel row and column, depth, approach angle, the
    projected approach's image angle, the object's centre pixel), the target pixels and image angles."""
    uv = intr.project(to_camera(p, T_cam))
    tip = intr.project(to_camera(p + 0.01 * a, T_cam))
    d = tip - uv
    phi = np.where(np.linalg.norm(d, axis=1) > 1e-9, portable.arctan2(d[:, 1], d[:, 0]), np.pi / 2)
    angle = np.mod(phi - np.pi / 2, 2 * np.pi)  # the projected approach runs down the middle column
    approach_angle = portable.arccos(np.clip(cos_approach, -1.0, 1.0))
    obj = object_centre_px(mesh_t, T_cam, intr)
    n = len(p)
    z = to_camera(p, T_cam)[:, 2]
    hand = np.column_stack(
        [uv[:, 1], uv[:, 0], z, approach_angle, angle, np.full(n, obj[1]), np.full(n, obj[0])]
    )
    return hand, uv, angle


def datapoints(
    mesh: trimesh.Trimesh,
    gripper: SuctionGripper,
    cfg: SynthConfig,
    *,
    rests: Rests,
    rng: np.random.Generator,
    simulate: Simulate | None = None,
) -> dict[str, np.ndarray]:
    """The suction datapoints of one object (``mesh`` in its own frame, metres); see the module doc.

    Targets are visible surface points (pixels of the object's mask); the approach is the inward normal
    tilted by ``approach_noise`` and kept within ``max_approach_angle`` of the optical axis.
    """
    sc = cfg.suction
    cam_cfg = sc.camera
    intr = Intrinsics.from_config(cam_cfg)
    cup = CupModel.from_config(gripper, sc)
    poses, _ = stable_poses(
        mesh, rests, count=cfg.poses_per_object, min_probability=cfg.min_pose_probability, rng=rng
    )
    com = centre_of_mass(mesh)
    parts, image = [], 0
    for k, T in enumerate(poses):
        mesh_t = mesh.copy()
        mesh_t.apply_transform(T)
        caster = intersector(mesh_t)
        com_t = trimesh.transform_points(com[None], T)[0]
        for T_cam in sample_cameras(cam_cfg, mesh_t.bounds.mean(axis=0), rng=rng):
            depth, mask = render_depth(caster, mesh_t.bounds, T_cam, intr)
            if not mask.any():
                continue
            p, a, cos_approach = _targets(caster, mesh_t, T_cam, intr, mask, sc, rng=rng)
            if not len(p):
                continue
            metric = robust_wrench_resistance(caster, p, a, com_t, cup, sc, rng=rng)
            hand, uv, angle = _hand_poses(p, a, cos_approach, mesh_t, T_cam, intr)
            n = len(p)
            parts.append(
                {
                    "depth_ims_tf_table": grasp_crops(depth, uv, angle, crop_size=cfg.crop_of("suction")),
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
    return stack(parts)


TASK = SynthTask(
    spec=SPEC,
    gripper_kind=SUCTION,
    extra_fields={},
    uses_physics=False,
    datapoints=datapoints,
    label=label,
    summary=summary,
)
