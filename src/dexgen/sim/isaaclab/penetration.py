"""Start penetration of each trial, measured by MuJoCo on the same geometry (parent side).

The depth a gripper starts inside the object is a property of the pose and the collision shapes, not of
the engine that plays the trial; measuring it with MuJoCo's collision (as :class:`MujocoBackend` does)
makes ``start_penetration`` and the "start" failures of both backends identical by construction.
"""

from __future__ import annotations

import mujoco
import numpy as np

from dexgen.grippers.spec import ParallelJawGripper
from dexgen.params.sim import SimConfig
from dexgen.sim.hand_spec import SimHand, trial_scene
from dexgen.sim.mujoco_backend import MujocoBackend, _matrix_to_wxyz, start_poses
from dexgen.sim.objects import SimObject


def start_penetration(
    obj: SimObject,
    gripper: ParallelJawGripper | SimHand,
    cfg: SimConfig,
    poses: np.ndarray,
    openings: np.ndarray,
) -> np.ndarray:
    """(n,) metres the gripper (a box gripper or a real hand: the same scene MuJoCo plays) starts inside the
    object (0 when it is free), per pose and opening."""
    scene = trial_scene(gripper, obj, cfg)
    data = mujoco.MjData(scene.model)
    hand0, obj0 = start_poses(poses, cfg.orientation)
    q0 = scene.finger_q(gripper, openings)
    hq, oq = scene.hand_qpos, scene.object_qpos
    hand_quat, obj_quat = _matrix_to_wxyz(hand0[:, :3, :3]), _matrix_to_wxyz(obj0[:, :3, :3])
    depth = np.zeros(len(poses))
    for i in range(len(poses)):
        mujoco.mj_resetData(scene.model, data)
        data.qpos[hq : hq + 3], data.qpos[hq + 3 : hq + 7] = hand0[i, :3, 3], hand_quat[i]
        data.qpos[oq : oq + 3], data.qpos[oq + 3 : oq + 7] = obj0[i, :3, 3], obj_quat[i]
        data.qpos[scene.finger_qpos] = q0[i]
        mujoco.mj_forward(scene.model, data)
        depth[i] = MujocoBackend._penetration(scene, data)
    return depth
