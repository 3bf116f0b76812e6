"""The default physics backend: MuJoCo on the CPU, batched with ``mujoco.rollout`` on every core.

One compiled model per object; each grasp is one initial state (hand free joint at the grasp pose,
fingers at its opening, the object at the world origin or turned so the approach points down) and
one open-loop control sequence (finger targets, the object's external force, the mocap target).
``mujoco.rollout`` releases the GIL and runs trajectories on a persistent thread pool with one
MjData per thread (1.7-1.9x on 2 cores, ``stack.md`` §4). Trials run in chunks of ``batch_size``
into preallocated buffers, so memory does not grow with the number of trials. After the close only the
trials that grasp something go on, in segments of ``early_exit_steps``; a trial whose object drifted past
a success threshold stops (its label, phase and score are already decided). Every trial is
deterministic: there is no randomness in the physics and the thread count does not change results.
"""

from __future__ import annotations

import logging

import mujoco
import numpy as np
from mujoco import rollout

from dexgen.executors import worker_count
from dexgen.grippers.model import GripperModel
from dexgen.grippers.spec import ParallelJawGripper
from dexgen.params.sim import SimConfig
from dexgen.portable import matmul, rigid_inverse
from dexgen.records.trials import Trials
from dexgen.sim.backend import SimBackend, trial_inputs
from dexgen.sim.evaluate import drift_from, relative_poses, trials_from_motion
from dexgen.sim.hand_spec import SimHand, trial_scene
from dexgen.sim.mujoco_scene import Scene
from dexgen.sim.objects import SimObject
from dexgen.sim.protocol import Schedule, hand_targets, make_schedule, object_forces

log = logging.getLogger(__name__)

FULL = mujoco.mjtState.mjSTATE_FULLPHYSICS.value
CONTROL = int(
    mujoco.mjtState.mjSTATE_CTRL
    | mujoco.mjtState.mjSTATE_XFRC_APPLIED
    | mujoco.mjtState.mjSTATE_MOCAP_POS
    | mujoco.mjtState.mjSTATE_MOCAP_QUAT
)
TOP_DOWN = np.diag([1.0, -1.0, -1.0])  # hand +z (approach) along world -z: gravity pulls out of the opening


def start_poses(poses: np.ndarray, orientation: str) -> tuple[np.ndarray, np.ndarray]:
    """World poses (b, 4, 4) of the hand and of the object at the start of each trial.

    poses : (b, 4, 4) float64 -- gripper base in the object frame. ``top_down``: the hand sits at the
    origin with its approach along -z and the object is placed by the grasp; ``object_frame``: the
    object sits at the origin in its own frame and the hand at the grasp pose.
    """
    if orientation == "object_frame":
        return poses.copy(), np.broadcast_to(np.eye(4), poses.shape).copy()
    hand = np.broadcast_to(np.eye(4), poses.shape).copy()
    hand[:, :3, :3] = TOP_DOWN
    return hand, matmul(hand, rigid_inverse(poses))  # not @ / inv: BLAS bits vary by CPU


def _matrix_to_wxyz(rot: np.ndarray) -> np.ndarray:
    """(b, 4) wxyz of (b, 3, 3) rotations (via scipy; sign fixed to w >= 0)."""
    from scipy.spatial.transform import Rotation

    q = Rotation.from_matrix(rot).as_quat(scalar_first=True)
    return q * np.where(q[:, :1] < 0, -1.0, 1.0)


class _Buffers:
    """Arrays reused by every chunk of every object with the same state size, so memory stays flat.

    Allocating ~70 MB of trajectories per object and freeing it again makes the resident size wander by
    tens of MB (allocator fragmentation); one set per backend keeps it constant. ``rest_state`` and
    ``rest_control`` are flat: each post-close segment views a contiguous (trials, steps, size) block.
    """

    def __init__(self, nstate: int, ncontrol: int, batch: int, schedule: Schedule, substeps: int) -> None:
        n_close = schedule.end_of_close + 1
        n_rest = schedule.nstep - n_close
        self.key = (nstate, ncontrol, batch, schedule.nstep, substeps)
        self.substeps = substeps
        self.init = np.empty((batch, nstate))
        self.control = np.empty((batch, schedule.nstep, ncontrol))
        self.control_close = np.empty((batch, n_close * substeps, ncontrol))
        self.state = np.empty((batch, schedule.nstep, nstate))
        self.state_close = np.empty((batch, n_close * substeps, nstate))
        self.rest_control = np.empty(batch * n_rest * substeps * ncontrol)
        self.rest_state = np.empty(batch * n_rest * substeps * nstate)

    def rest(self, trials: int, steps: int) -> tuple[np.ndarray, np.ndarray]:
        """Contiguous (trials, steps x substeps, ncontrol) control and (.., nstate) state views."""
        ncontrol, nstate = self.control.shape[-1], self.state.shape[-1]
        steps *= self.substeps
        control = self.rest_control[: trials * steps * ncontrol].reshape(trials, steps, ncontrol)
        state = self.rest_state[: trials * steps * nstate].reshape(trials, steps, nstate)
        return control, state


def _hold(control: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``control`` (n, steps, c) held over each step's substeps into ``out`` (n, steps x substeps, c)."""
    n, steps, c = control.shape
    out.reshape(n, steps, -1, c)[:] = control[:, :, None]
    return out


def _every(state: np.ndarray, substeps: int) -> np.ndarray:
    """The states at the end of each protocol step of a (n, steps x substeps, s) substep trajectory."""
    return state[:, substeps - 1 :: substeps]


class MujocoBackend(SimBackend):
    """MuJoCo grasp trials; owns the rollout thread pool (close it, or use ``with``)."""

    name = "mujoco"

    def __init__(self, config: SimConfig) -> None:
        super().__init__(config)
        self.threads = worker_count(config.threads)
        self._pool = rollout.Rollout(nthread=self.threads)
        self.schedule: Schedule = make_schedule(config.protocol)
        self._buffers: _Buffers | None = None

    def _buffers_for(self, model: mujoco.MjModel) -> _Buffers:
        nstate, ncontrol = mujoco.mj_stateSize(model, FULL), mujoco.mj_stateSize(model, CONTROL)
        k = self.config.mujoco_substeps
        key = (nstate, ncontrol, self.config.batch_size, self.schedule.nstep, k)
        if self._buffers is None or self._buffers.key != key:
            self._buffers = _Buffers(nstate, ncontrol, self.config.batch_size, self.schedule, k)
        return self._buffers

    @classmethod
    def version(cls) -> str:
        return f"mujoco {mujoco.__version__}"

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        self._buffers = None

    def _scene(self, obj: SimObject, gripper: ParallelJawGripper | GripperModel | SimHand) -> Scene:
        """The box scene of a box gripper, the real-hand scene of a model (parts made once per hand)."""
        return trial_scene(self.hand(gripper), obj, self.config)

    def run(
        self,
        obj: SimObject,
        gripper: ParallelJawGripper | GripperModel | SimHand,
        poses: np.ndarray,
        openings: np.ndarray,
    ) -> Trials:
        poses, openings = trial_inputs(poses, openings)
        if len(poses) == 0:
            return Trials.empty()
        if self._pool is None:
            raise RuntimeError("backend is closed")
        scene = self._scene(obj, gripper)
        openings = np.clip(openings, scene.min_opening, scene.max_opening)
        datas = [mujoco.MjData(scene.model) for _ in range(self.threads)]
        probe = mujoco.MjData(scene.model)
        buffers = self._buffers_for(scene.model)
        batch = self.config.batch_size
        parts = []
        for start in range(0, len(poses), batch):
            sl = slice(start, start + batch)
            parts.append(self._chunk(scene, gripper, obj, poses[sl], openings[sl], datas, probe, buffers))
        return Trials.concatenate(parts)

    def _chunk(
        self,
        scene: Scene,
        gripper: ParallelJawGripper,
        obj: SimObject,
        poses: np.ndarray,
        openings: np.ndarray,
        datas: list,
        probe: mujoco.MjData,
        buf: _Buffers,
    ) -> Trials:
        """Simulate up to ``batch_size`` trials: the close for all, the rest only for those holding the object."""
        model, sch, cfg = scene.model, self.schedule, self.config
        n, ref, last = len(poses), sch.end_of_close, sch.nstep - 1
        hand0, obj0 = start_poses(poses, cfg.orientation)
        q0 = scene.finger_q(gripper, openings)
        control = self._controls(scene, obj, hand0, q0, buf.control[:n])
        init = buf.init[:n]
        penetration = np.array(
            [self._start(scene, probe, hand0[i], obj0[i], q0[i], control[i, 0], init[i]) for i in range(n)]
        )
        state = buf.state[:n]

        # close for every trial, then go on only with those that grasp something (early exit, stack.md §4)
        _hold(control[:, : ref + 1], buf.control_close[:n])
        self._pool.rollout(
            model, datas, init, buf.control_close[:n], control_spec=CONTROL, state=buf.state_close[:n]
        )
        state[:, : ref + 1] = _every(buf.state_close[:n], buf.substeps)
        at_close = [self._contacts(scene, probe, state[i, ref], control[i, ref]) for i in range(n)]
        touch_close = np.array([t for t, _ in at_close])
        depth_close = np.array([d for _, d in at_close])
        closed = scene.min_opening + cfg.success.closed_margin
        going = touch_close.all(axis=1) & (scene.openings(state[:, ref]) > closed)
        going &= penetration <= cfg.success.max_start_penetration
        idx = np.flatnonzero(going)
        stop = self._rest(scene, state, control, idx, datas, buf)  # (n,) the last step each trial simulated
        for i in np.flatnonzero(stop < last):  # stopped trials stay as they were
            state[i, stop[i] + 1 :] = state[i, stop[i]]
        idx = np.flatnonzero(stop == last)
        opening = scene.openings(state)  # (n, nstep) pad opening, metres
        touch_end, depth_end = touch_close.copy(), depth_close.copy()
        for i in idx:
            touch_end[i], depth_end[i] = self._contacts(scene, probe, state[i, last], control[i, last])

        rel_pos, rel_rot = self._rel_poses(scene, state)
        return trials_from_motion(
            rel_pos,
            rel_rot,
            phase_of_step=sch.phase,
            ref=ref,
            cfg=cfg,
            start_penetration=penetration,
            opening_end=opening[:, last],
            touch_close=touch_close,
            touch_end=touch_end,
            opening_close=opening[:, ref],
            finite=np.isfinite(state).all(axis=(1, 2)),
            min_opening=scene.min_opening,
            depth_close=depth_close,
            depth_end=depth_end,
        )

    def _rest(
        self,
        scene: Scene,
        state: np.ndarray,
        control: np.ndarray,
        idx: np.ndarray,
        datas: list,
        buf: _Buffers,
    ) -> np.ndarray:
        """Roll the trials ``idx`` on from the end of the close, in segments of ``early_exit_steps``.

        After each segment the trials whose object drifted past ``max_translation`` / ``max_rotation``
        (or whose state is no longer finite) stop: :func:`label_trials` fails a trial at the first
        step over a threshold, so nothing after it can change the label, the failure phase or the
        score. Returns (n,) the last simulated step of every trial (``end_of_close`` for those not in
        ``idx``); ``state`` is filled up to it.
        """
        model, sch, ok = scene.model, self.schedule, self.config.success
        ref, last = sch.end_of_close, sch.nstep - 1
        stop = np.full(len(state), ref)
        early_exit = self.config.early_exit_steps if self.config.protocol.success_rule == "held" else 0
        seg = early_exit or last - ref
        k0 = ref
        pos0, rot0 = self._rel_poses(scene, state[:, ref])  # (n, 3), (n, 3, 3) object in the hand frame
        while len(idx) and k0 < last:
            k1 = min(k0 + seg, last)
            rest_control, rest = buf.rest(len(idx), k1 - k0)
            _hold(control[idx, k0 + 1 : k1 + 1], rest_control)
            self._pool.rollout(model, datas, state[idx, k0], rest_control, control_spec=CONTROL, state=rest)
            rest = _every(rest, buf.substeps)
            state[idx, k0 + 1 : k1 + 1] = rest
            stop[idx] = k1
            if k1 == last or not early_exit:
                break
            # drift of this segment against the end of the close, as label_trials computes it
            d_t, d_r = drift_from(*self._rel_poses(scene, rest), pos0[idx], rot0[idx])
            over = (d_t > ok.max_translation) | (d_r > ok.max_rotation)
            over = over.any(axis=1) | ~np.isfinite(rest).all(axis=(1, 2))
            idx = idx[~over]
            k0 = k1
        return stop

    def _controls(
        self, scene: Scene, obj: SimObject, hand0: np.ndarray, q0: np.ndarray, out: np.ndarray
    ) -> np.ndarray:
        """Fill ``out`` (n, nstep, ncontrol): [finger targets (2), xfrc_applied (6 nbody), mocap pos, quat]."""
        sch, model = self.schedule, scene.model
        out[:] = 0.0
        scene.fill_targets(out, q0, sch.closing)
        # top_down starts every hand at the same pose: the forces and targets are computed once per distinct
        # start pose (row by row the same arithmetic) and copied, not n times over nstep steps
        uniq, inverse = np.unique(hand0.reshape(len(hand0), 16), axis=0, return_inverse=True)
        uniq = uniq.reshape(-1, 4, 4)
        inverse = inverse.reshape(-1)
        xfrc = model.nu + 6 * scene.object_body
        out[:, :, xfrc : xfrc + 3] = object_forces(sch, uniq, obj.mass)[inverse]
        mpos, mquat = hand_targets(sch, uniq)
        off = model.nu + 6 * model.nbody
        out[:, :, off : off + 3] = mpos[inverse]
        out[:, :, off + 3 : off + 7] = mquat[inverse]
        return out

    def _start(
        self,
        scene: Scene,
        probe: mujoco.MjData,
        hand0: np.ndarray,
        obj0: np.ndarray,
        q0: float,
        control0: np.ndarray,
        out: np.ndarray,
    ) -> float:
        """Write the initial state into ``out`` (nstate,); returns the start penetration, metres."""
        model = scene.model
        mujoco.mj_resetData(model, probe)
        probe.qpos[scene.hand_qpos : scene.hand_qpos + 3] = hand0[:3, 3]
        probe.qpos[scene.hand_qpos + 3 : scene.hand_qpos + 7] = _matrix_to_wxyz(hand0[None, :3, :3])[0]
        probe.qpos[scene.object_qpos : scene.object_qpos + 3] = obj0[:3, 3]
        probe.qpos[scene.object_qpos + 3 : scene.object_qpos + 7] = _matrix_to_wxyz(obj0[None, :3, :3])[0]
        probe.qpos[scene.finger_qpos] = q0
        mujoco.mj_getState(model, probe, out, FULL)
        mujoco.mj_setState(model, probe, control0, CONTROL)
        mujoco.mj_forward(model, probe)
        return self._penetration(scene, probe)

    @staticmethod
    def _rel_poses(scene: Scene, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Object pose in the hand frame, (..., 3) and (..., 3, 3), of full-physics ``state`` (..., nstate)."""
        q = state[..., 1 : 1 + scene.model.nq]  # FULLPHYSICS = [time, qpos, qvel, act, ...]
        h, o = scene.hand_qpos, scene.object_qpos
        return relative_poses(
            q[..., h : h + 3], q[..., h + 3 : h + 7], q[..., o : o + 3], q[..., o + 3 : o + 7]
        )

    @staticmethod
    def _penetration(scene: Scene, data: mujoco.MjData) -> float:
        """Deepest gripper-object contact after mj_forward, metres (0 when nothing touches)."""
        depth = 0.0
        obj = scene.object_geoms
        for c in data.contact[: data.ncon] if data.ncon else ():
            if (c.geom1 in obj) != (c.geom2 in obj):
                depth = max(depth, -float(c.dist))
        return depth

    def _contacts(
        self, scene: Scene, data: mujoco.MjData, state: np.ndarray, control: np.ndarray
    ) -> tuple[np.ndarray, float]:
        """At ``state``: (2,) bool, each finger presses on the object harder than min_contact_force; and the
        deepest gripper-object penetration, metres (a pad sunk through the object: "crossed")."""
        model = scene.model
        mujoco.mj_setState(model, data, state, FULL)
        mujoco.mj_setState(model, data, control, CONTROL)
        mujoco.mj_forward(model, data)
        force = np.zeros(2)
        f6 = np.zeros(6)
        obj = scene.object_geoms
        for i in range(data.ncon):
            c = data.contact[i]
            g1, g2 = int(c.geom1), int(c.geom2)
            other = g2 if g1 in obj else g1 if g2 in obj else -1
            for k in (0, 1):
                if other in scene.finger_geoms[k]:
                    mujoco.mj_contactForce(model, data, i, f6)
                    force[k] += f6[0]
        return force > self.config.success.min_contact_force, self._penetration(scene, data)
