"""The open-loop trial timeline as arrays: what the hand, the fingers and the external force do each step.

A trial is close -> lift -> tugs -> shake (``stack.md`` §4 and GraspDataGen's tugs, ``graspdatagen.md`` §5):

- **close**: finger targets ramp from the start opening to beyond closed over ``close_ramp``; the
  object's weight is cancelled by an external force, so it does not fall before it is held;
- **lift**: gravity acts; the hand rises ``lift_height`` against gravity on a cosine profile;
- **tug**: constant forces of ``tug_force_g`` x weight in gripper-frame directions, one after another;
- **shake**: the hand oscillates in translation (each world axis, phase-shifted) and rotation (each hand axis).

The schedule is engine-independent; :func:`hand_targets` and :func:`object_forces` turn it into world
frame targets for a batch of trials. Time step ``k`` of a schedule is the step that ends at ``(k + 1) dt``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.spatial.transform import Rotation

from dexgen import portable
from dexgen.params.sim import ProtocolConfig
from dexgen.records.trials import PHASES

GRAVITY = np.array([0.0, 0.0, -9.81])  # m/s^2, world frame
UP = np.array([0.0, 0.0, 1.0])


@dataclasses.dataclass
class Schedule:
    """Per-step open-loop signals, nstep = sum of the phase durations / dt.

    phase : (nstep,) int8 -- index into backend.PHASES
    closing : (nstep,) float64 in [0, 1] -- finger target, 0 = start opening, 1 = closed target
    lift : (nstep,) float64 -- metres the hand has risen against gravity
    shake_pos : (nstep, 3) float64 -- hand offset, world frame, metres
    shake_rotvec : (nstep, 3) float64 -- hand rotation about its own axes, radians (rotation vector)
    cancel_gravity : (nstep,) bool -- the object's weight is cancelled by an external force (never without
        gravity: ``ProtocolConfig.gravity`` false)
    tug : (nstep, 3) float64 -- tug force on the object in the gripper base frame, units of its weight
    end_of_close : int -- the step whose end state is the reference for drift
    """

    phase: np.ndarray
    closing: np.ndarray
    lift: np.ndarray
    shake_pos: np.ndarray
    shake_rotvec: np.ndarray
    cancel_gravity: np.ndarray
    tug: np.ndarray
    end_of_close: int

    @property
    def nstep(self) -> int:
        return len(self.phase)


def _steps(seconds: float, dt: float) -> int:
    return int(round(seconds / dt))


def make_schedule(cfg: ProtocolConfig) -> Schedule:
    """The schedule of ``cfg`` (deterministic; no randomness in a trial)."""
    dt = cfg.timestep
    n_close = _steps(cfg.close_duration, dt)
    # a lift takes at least one step unless there is none (graspdatagen: the hand never moves)
    n_lift = max(_steps(cfg.lift_duration, dt), 1) if cfg.lift_duration > 0 or cfg.lift_height > 0 else 0
    n_tugs = [_steps(t.duration, dt) for t in cfg.tugs]
    n_shake = _steps(cfg.shake_duration, dt)
    n = n_close + n_lift + sum(n_tugs) + n_shake
    t = (np.arange(n) + 1) * dt  # time at the end of each step
    phase = np.empty(n, dtype=np.int8)
    phase[:n_close] = PHASES.index("close")
    phase[n_close : n_close + n_lift] = PHASES.index("lift")
    phase[n_close + n_lift : n - n_shake] = PHASES.index("tug")
    phase[n - n_shake :] = PHASES.index("shake")

    closing = np.clip(t / cfg.close_ramp, 0.0, 1.0)
    s = np.clip((t - n_close * dt) / (max(n_lift, 1) * dt), 0.0, 1.0)
    lift = cfg.lift_height * 0.5 * (1 - np.cos(np.pi * s))

    tug = np.zeros((n, 3))
    k = n_close + n_lift
    for spec, steps in zip(cfg.tugs, n_tugs):
        d = np.asarray(spec.direction, dtype=np.float64)
        tug[k : k + steps] = cfg.tug_force_g * spec.scale * d / portable.norm(d)
        k += steps

    shake_pos = np.zeros((n, 3))
    shake_rot = np.zeros((n, 3))
    if n_shake:
        ts = t[n - n_shake :] - t[n - n_shake - 1] if n > n_shake else t[:n_shake]
        envelope = np.sin(np.pi * ts / ts[-1])  # starts and ends at rest, no velocity jump
        shifts = np.array([0.0, 2 * np.pi / 3, 4 * np.pi / 3])  # the three axes out of phase: a 3-D figure
        shake_pos[n - n_shake :] = (
            cfg.shake_amplitude
            * envelope[:, None]
            * np.sin(2 * np.pi * cfg.shake_frequency * ts[:, None] + shifts)
        )
        shake_rot[n - n_shake :] = (
            np.deg2rad(cfg.shake_angle)
            * envelope[:, None]
            * np.sin(2 * np.pi * cfg.shake_angle_frequency * ts[:, None] + shifts)
        )
    return Schedule(
        phase=phase,
        closing=closing,
        lift=lift,
        shake_pos=shake_pos,
        shake_rotvec=shake_rot,
        cancel_gravity=(phase == PHASES.index("close")) & cfg.gravity,  # nothing to cancel without gravity
        tug=tug,
        end_of_close=n_close - 1,
    )


def hand_targets(schedule: Schedule, world_T_hand0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mocap targets of a batch: positions (b, nstep, 3) metres and wxyz quaternions (b, nstep, 4), world.

    world_T_hand0 : (b, 4, 4) float64 -- the hand at the start of each trial
    """
    pos = world_T_hand0[:, None, :3, 3] + schedule.lift[None, :, None] * UP + schedule.shake_pos[None]
    rot = hand_rotations(schedule, world_T_hand0)
    quat = Rotation.from_matrix(rot.reshape(-1, 3, 3)).as_quat(scalar_first=True).reshape(*rot.shape[:2], 4)
    return pos, quat


def hand_rotations(schedule: Schedule, world_T_hand0: np.ndarray) -> np.ndarray:
    """(b, nstep, 3, 3) hand orientation targets, world frame: R0 @ R_shake(t)."""
    shake = Rotation.from_rotvec(schedule.shake_rotvec).as_matrix()  # (nstep, 3, 3)
    return np.einsum("bij,tjk->btik", world_T_hand0[:, :3, :3], shake)


def object_forces(schedule: Schedule, world_T_hand0: np.ndarray, mass: float) -> np.ndarray:
    """(b, nstep, 3) external force on the object's centre of mass, world frame, newtons."""
    weight = mass * float(portable.norm(GRAVITY))
    rot = hand_rotations(schedule, world_T_hand0)
    force = np.einsum("btij,tj->bti", rot, schedule.tug) * weight
    force += (schedule.cancel_gravity[:, None] * (-mass * GRAVITY))[None]
    return force
