"""One object's batch of trials as engine-independent arrays: everything the worker needs, nothing it computes.

The parent computes what does not depend on the engine (the schedule, hand and finger targets, the
object's external forces, its convex parts, mass and inertia, the gripper's bodies) so both backends run
the same numbers. The worker simulates in the **hand-start frame** of each trial: the hand starts at the
env origin with identity orientation and gravity is an external force on the object (the scene's gravity
is off, the hand's links need no compensation). Physics is invariant under that rigid change of frame,
relative poses (hence drift) are unchanged, and the hand's rotation targets are only the shake's
(a few tens of degrees), so three revolute joints about x, y, z (intrinsic XYZ Euler angles) drive
it far from gimbal lock whatever the grasp's orientation in the world.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
from scipy.spatial.transform import Rotation

from dexgen.errors import ConfigError, InputError
from dexgen.grippers.geometry import bodies
from dexgen.grippers.kinds import PARALLEL_JAW
from dexgen.grippers.spec import ParallelJawGripper
from dexgen.params.sim import SimConfig, closing_force_of, finger_drive
from dexgen.sim.hand_spec import SimHand
from dexgen.sim.isaaclab.hand_request import hand_description, leader_closed_target
from dexgen.sim.mujoco_backend import start_poses
from dexgen.sim.objects import SimObject
from dexgen.sim.protocol import GRAVITY, Schedule, hand_targets, object_forces


def _principal(inertia: np.ndarray) -> tuple[list[float], list[float]]:
    """(diagonal inertia (3,), principal axes as a wxyz quaternion) of a symmetric (3, 3) tensor."""
    values, vectors = np.linalg.eigh(np.asarray(inertia, dtype=np.float64))
    if np.linalg.det(vectors) < 0:
        vectors[:, 2] *= -1
    quat = Rotation.from_matrix(vectors).as_quat(scalar_first=True)
    return np.maximum(values, 1e-12).tolist(), quat.tolist()


def finger_force(gripper: ParallelJawGripper, cfg: SimConfig) -> float:
    """N per finger: the drive's force limit (params ``closing_force`` or the gripper's own)."""
    return closing_force_of(gripper.closing_force, cfg, where=gripper.name)


def _where(gripper) -> str:
    return f"gripper {gripper.name!r} ({gripper.source})" if gripper.source else f"gripper {gripper.name!r}"


def check_gripper(gripper) -> list:
    """The gripper's bodies, fingers fully closed, if the USD writer can author them (a palm and two box fingers
    sliding in opposite directions along the palm's x, the axis its prismatic joints use); else a ConfigError
    naming the gripper file."""
    if gripper.gripper_kind != PARALLEL_JAW:
        raise ConfigError(
            f"{_where(gripper)}: the Isaac Lab grasp trial needs a parallel-jaw gripper, got {gripper.kind}"
        )
    found = bodies(gripper, gripper.min_opening)
    names = sorted(b.name for b in found)
    if names != ["finger_neg", "finger_pos", "palm"]:
        raise ConfigError(
            f"{_where(gripper)}: the Isaac Lab USD writer builds a palm and two fingers, got {names}"
        )
    for b in found:
        if not (
            np.all(np.isfinite(b.size)) and np.all(np.asarray(b.size) > 0) and np.all(np.isfinite(b.centre))
        ):
            raise ConfigError(
                f"{_where(gripper)}: body {b.name} has size {list(b.size)}; USD boxes need finite sides > 0"
            )
        if b.name != "palm" and not np.allclose(np.abs(b.joint_axis), (1.0, 0.0, 0.0)):
            raise ConfigError(
                f"{_where(gripper)}: finger {b.name} moves along {list(b.joint_axis)}; the Isaac Lab articulation "
                "slides the fingers along the palm's x axis"
            )
    return found


def check_parts(obj: SimObject) -> None:
    """An InputError naming the object when a convex part is one PhysX cannot cook into a convex mesh (fewer than
    four points, non-finite, or flat: its points span no volume)."""
    if not obj.parts:
        raise InputError(
            f"object {obj.key!r} (mesh sha256 {obj.mesh_sha256[:12]}): no convex parts to collide with"
        )
    for i, (vertices, _) in enumerate(obj.parts):
        v = np.asarray(vertices, dtype=np.float64)
        why = None
        if len(v) < 4:
            why = f"has {len(v)} points"
        elif not np.isfinite(v).all():
            why = "has non-finite points"
        elif np.linalg.matrix_rank(v - v.mean(axis=0), tol=1e-9) < 3:
            why = "is flat (its points span no volume)"
        if why:
            raise InputError(
                f"object {obj.key!r} (mesh sha256 {obj.mesh_sha256[:12]}): convex part {i} of {len(obj.parts)} {why}; "
                "PhysX cannot cook it into a convex collider (check the mesh, or sim.decomposition)"
            )


def _hand_block(hand: SimHand, cfg: SimConfig) -> tuple[dict, dict[str, np.ndarray]]:
    """The scene's gripper block of a real hand: the hand chain's settings and the hand itself."""
    block, arrays = hand_description(hand, cfg)
    return {"name": hand.name, "hand": block, **_hand_chain(cfg)}, arrays


def _hand_chain(cfg: SimConfig) -> dict:
    """Friction and the settings of the chain that moves the hand, the same for box and real hands."""
    icfg = cfg.isaaclab
    return {
        "friction": cfg.friction,
        "hand_stiffness": icfg.hand_stiffness,
        "hand_damping": icfg.hand_damping,
        "hand_angular_stiffness": icfg.hand_angular_stiffness,
        "hand_angular_damping": icfg.hand_angular_damping,
        "link_mass": icfg.link_mass,
        "hand_armature": icfg.hand_armature,
    }


def scene_description(
    obj: SimObject, gripper: ParallelJawGripper | SimHand, cfg: SimConfig, num_envs: int
) -> tuple[dict, dict[str, np.ndarray]]:
    """(JSON scene description, its arrays) of ``obj`` held by ``gripper`` (a box gripper or a real hand);
    ``key`` hashes both, so the worker rebuilds its scene only when something in it changed."""
    found = None if gripper.hand_model is not None else check_gripper(gripper)  # a real hand: no boxes
    check_parts(obj)
    icfg = cfg.isaaclab
    parts_v = [np.asarray(v, dtype=np.float64) for v, _ in obj.parts]
    parts_f = [np.asarray(f, dtype=np.int32) for _, f in obj.parts]
    arrays = {
        "part_vertices": np.concatenate(parts_v) if parts_v else np.zeros((0, 3)),
        "part_faces": np.concatenate(parts_f) if parts_f else np.zeros((0, 3), np.int32),
        "part_nvert": np.array([len(v) for v in parts_v], dtype=np.int64),
        "part_nface": np.array([len(f) for f in parts_f], dtype=np.int64),
    }
    diag, axes = _principal(obj.inertia)
    if found is None:
        gripper_block, hand_arrays = _hand_block(gripper, cfg)
        arrays.update(hand_arrays)
    else:
        drive = finger_drive(finger_force(gripper, cfg), cfg)
        gripper_block = {
            "name": gripper.name,
            "bodies": [
                {
                    "name": b.name,
                    "size": [float(s) for s in b.size],
                    "centre": b.centre.tolist(),
                    "moves_with": b.moves_with,
                    "axis": list(b.joint_axis),
                }
                for b in found  # fingers fully closed: joint value 0
            ],
            "finger_range": (gripper.max_opening - gripper.min_opening) / 2,
            "finger_force": drive.force,
            # the gains scale with the force as MuJoCo's do: the servo target follows the same path
            "finger_kp": drive.kp,
            "finger_kv": drive.kv,
            # the drive's reflected inertia, MuJoCo's 0.01 kg scaled with the force as well (at 235 N, left at
            # 0.01 kg, PhysX held 77.6 % of the collision-free guesses on examples/meshes, 86.7 % scaled)
            "finger_armature": drive.armature,
            "finger_coupling": cfg.finger_coupling,
            "density": cfg.hand_density,
            **_hand_chain(cfg),
        }
    scene = {
        "physics": icfg.physics,
        "device": icfg.device,
        "dt": cfg.protocol.timestep / icfg.physics_substeps,
        "substeps": icfg.physics_substeps,
        "num_envs": int(num_envs),
        "env_spacing": icfg.env_spacing,
        "position_iterations": icfg.position_iterations,
        "velocity_iterations": icfg.velocity_iterations,
        "contact_offset": icfg.contact_offset,
        "rest_offset": icfg.rest_offset,
        "newton_contact_stiffness": icfg.newton_contact_stiffness,
        "newton_contact_damping": icfg.newton_contact_damping,
        "gripper": gripper_block,
        "object": {
            "key": obj.key,
            "mass": float(obj.mass),
            "com": np.asarray(obj.com, dtype=np.float64).tolist(),
            "inertia_diagonal": diag,
            "principal_axes": axes,
            "friction": float(obj.friction),
        },
    }
    digest = hashlib.sha256(json.dumps(scene, sort_keys=True).encode())
    for name in sorted(arrays):
        digest.update(np.ascontiguousarray(arrays[name]).tobytes())
    scene["key"] = digest.hexdigest()[:16]
    return scene, arrays


def trial_arrays(
    schedule: Schedule,
    obj: SimObject,
    gripper: ParallelJawGripper | SimHand,
    cfg: SimConfig,
    poses: np.ndarray,
    openings: np.ndarray,
) -> dict[str, np.ndarray]:
    """Per-trial start state and per-step targets of a batch, in each trial's hand-start frame.

    Returns obj_pos (b, 3) m and obj_quat (b, 4) wxyz (object start), finger_q0 (b,) m (pad outside its
    closed place; for a real hand (b, k): every moving joint's value, leader first, as
    :meth:`~dexgen.sim.hand_tree.HandTree.values_at`), hand_target (b, nstep, 6) [x, y, z m, then
    intrinsic XYZ Euler angles rad], finger_target (b, nstep) m (a real hand's: its leader's), force (b, nstep, 3) N on the object's centre of mass (its weight included when the protocol has gravity).
    """
    hand0, obj0 = start_poses(poses, cfg.orientation)
    start = np.linalg.inv(hand0) @ obj0  # object in the hand-start frame
    rot0_t = np.swapaxes(hand0[:, :3, :3], 1, 2)  # world -> hand-start frame
    pos, _ = hand_targets(schedule, hand0)
    local_pos = np.einsum("bij,btj->bti", rot0_t, pos - hand0[:, None, :3, 3])
    euler = Rotation.from_rotvec(schedule.shake_rotvec).as_euler("XYZ")  # R_shake = Rx Ry Rz
    hand = np.concatenate([local_pos, np.broadcast_to(euler, (*local_pos.shape[:2], 3))], axis=-1)
    weight = obj.mass * GRAVITY if cfg.protocol.gravity else np.zeros(3)  # the scene itself has none
    world_force = object_forces(schedule, hand0, obj.mass) + weight
    force = np.einsum("bij,btj->bti", rot0_t, world_force)
    if (
        gripper.hand_model is not None
    ):  # a real hand (SimHand): the leader's servo from its start to beyond the stroke end (MuJoCo's)
        q0 = gripper.tree.values_at(np.asarray(openings, dtype=np.float64))
        lead = q0[:, 0]
        finger = lead[:, None] + (leader_closed_target(gripper, cfg) - lead[:, None]) * schedule.closing[None]
    else:
        q0 = (np.asarray(openings, dtype=np.float64) - gripper.min_opening) / 2
        drive = finger_drive(finger_force(gripper, cfg), cfg)
        q_closed = -drive.force / drive.kp  # beyond closed: squeezes at the force limit
        finger = q0[:, None] + (q_closed - q0[:, None]) * schedule.closing[None]
    quat = Rotation.from_matrix(start[:, :3, :3]).as_quat(scalar_first=True)
    return {
        "obj_pos": start[:, :3, 3].copy(),
        "obj_quat": quat,
        "finger_q0": q0,
        "hand_target": np.ascontiguousarray(hand),
        "finger_target": finger,
        "force": force,
    }
