"""``sim.backend: isaaclab``: grasp trials on Isaac Lab (PhysX or Newton), out of process, CPU or GPU.

The parent (this module, in dexgen's own environment) turns each object's trials into engine-independent
arrays (:mod:`.request`), sends them in chunks of ``sim.isaaclab.num_envs`` to one persistent worker
(:mod:`.client`, :mod:`.worker`) and labels the returned trajectories with the same
:func:`~dexgen.sim.evaluate.label_trials` as the MuJoCo backend, so both backends share one success test.
As in MuJoCo, a trial that is not holding the object at the end of the close (or started inside it)
stops there: its final pose, drift and opening are those of the end of the close. The worker records the
palm and object poses at every step, so each trial's peak drift (the largest motion of the object in the
hand after the close) is the maximum of the same per-step drift the labels read, as in MuJoCo: nothing
more crosses the process boundary. A worker that dies
mid-chunk is restarted and the chunk retried once; a second failure raises :class:`WorkerError`, and
nothing of the object is returned (the caller writes its results only when all chunks succeeded).
"""

from __future__ import annotations

import logging

import numpy as np

from dexgen.grippers.model import GripperModel
from dexgen.grippers.spec import ParallelJawGripper
from dexgen.params.sim import SimConfig
from dexgen.records.trials import Trials
from dexgen.sim.backend import SimBackend, trial_inputs
from dexgen.sim.evaluate import relative_poses, trials_from_motion
from dexgen.sim.hand_spec import SimHand
from dexgen.sim.isaaclab.client import WorkerClient, WorkerError
from dexgen.sim.isaaclab.environment import locate, pinned_version
from dexgen.sim.isaaclab.penetration import start_penetration
from dexgen.sim.isaaclab.request import scene_description, trial_arrays
from dexgen.sim.objects import SimObject
from dexgen.sim.protocol import Schedule, make_schedule

log = logging.getLogger(__name__)


class _Version:
    """``version()`` on the class: the pinned Isaac Lab (provenance, no engine started); on an instance:
    ``isaaclab <version> <physics>`` with the version of the interpreter it runs."""

    def __get__(self, obj, cls):
        if obj is None:
            return lambda: f"isaaclab {pinned_version()}"
        return obj._version


class IsaacLabBackend(SimBackend):
    """Isaac Lab grasp trials; owns the worker process (close it, or use ``with``)."""

    name = "isaaclab"
    version = _Version()

    def __init__(self, config: SimConfig) -> None:
        super().__init__(config)
        if config.isaaclab.physics == "newton" and config.isaaclab.device == "cpu":
            log.info("isaaclab: Newton on the CPU is slow (~0.4 s per trial at 128 envs, isaaclab.md §4)")
        self.schedule: Schedule = make_schedule(config.protocol)
        self._client: WorkerClient | None = None
        self._closed = False
        self.last_timings: list[dict] = []  # the worker's answers of the last run (build_s, run_s, wall_s)

    def _version(self) -> str:
        icfg = self.config.isaaclab
        version = pinned_version() if icfg.python is None else locate(icfg.python).isaaclab_version
        return f"isaaclab {version} {icfg.physics}"

    def _worker(self) -> WorkerClient:
        if self._client is None or not self._client.alive:
            if self._client is not None:
                self._client.close()
            icfg = self.config.isaaclab
            self._client = WorkerClient(
                locate(icfg.python).python,
                physics=icfg.physics,
                device=icfg.device,
                threads=self.config.threads,
                startup_timeout=icfg.startup_timeout,
                batch_timeout=icfg.batch_timeout,
            )
        return self._client

    def close(self) -> None:
        self._closed = True
        if self._client is not None:
            self._client.close()
            self._client = None

    def _send(self, request: dict, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """One chunk through the worker, retried once on a fresh worker if the first one died."""
        for attempt in (1, 2):
            client = self._worker()
            try:
                result, answer = client.run(request, arrays)
                self.last_timings.append(answer)
                return result
            except WorkerError as exc:
                client.close()
                self._client = None
                if attempt == 2:
                    raise
                log.warning("isaaclab: worker failed, retrying the chunk once on a new worker: %s", exc)
        raise AssertionError("unreachable")

    def run(
        self,
        obj: SimObject,
        gripper: ParallelJawGripper | GripperModel | SimHand,
        poses: np.ndarray,
        openings: np.ndarray,
    ) -> Trials:
        poses, openings = trial_inputs(poses, openings)
        gripper = self.hand(gripper)
        if len(poses) == 0:
            return Trials.empty()
        if self._closed:
            raise RuntimeError("backend is closed")
        num_envs = min(self.config.isaaclab.num_envs, len(poses))
        # checks the gripper and the parts before any worker starts: clear errors naming the file or part
        scene, scene_arrays = scene_description(obj, gripper, self.config, num_envs)
        openings = np.clip(openings, gripper.min_opening, gripper.stroke)
        penetration = start_penetration(obj, gripper, self.config, poses, openings)
        request = {"scene": scene, "end_of_close": self.schedule.end_of_close, "nstep": self.schedule.nstep}
        self.last_timings = []
        parts = []
        for start in range(0, len(poses), num_envs):
            sl = slice(start, start + num_envs)
            arrays = trial_arrays(self.schedule, obj, gripper, self.config, poses[sl], openings[sl])
            result = self._send(request, {**scene_arrays, **arrays})
            parts.append(self._label(result, gripper, penetration[sl]))
        return Trials.concatenate(parts)

    def _label(
        self, result: dict[str, np.ndarray], gripper: ParallelJawGripper | SimHand, penetration: np.ndarray
    ) -> Trials:
        """Trials of one chunk from the worker's trajectories (labels exactly as the MuJoCo backend makes them)."""
        cfg, sch = self.config, self.schedule
        ref = sch.end_of_close
        rel_pos, rel_rot = relative_poses(
            result["hand_pos"], result["hand_quat"], result["obj_pos"], result["obj_quat"]
        )
        touch_close = result["force_close"] > cfg.success.min_contact_force
        touch_end = result["force_end"] > cfg.success.min_contact_force
        opening_close = _opening(gripper, result["finger_close"])
        opening_end = _opening(gripper, result["finger_end"])
        min_opening = gripper.min_opening
        # as MuJoCo: a trial not holding after the close (or starting inside) stops at the end of the close
        closed = min_opening + cfg.success.closed_margin
        going = (
            touch_close.all(axis=1)
            & (opening_close > closed)
            & (penetration <= cfg.success.max_start_penetration)
        )
        stopped = ~going
        rel_pos[stopped, ref + 1 :] = rel_pos[stopped, ref, None]
        rel_rot[stopped, ref + 1 :] = rel_rot[stopped, ref, None]
        touch_end[stopped] = touch_close[stopped]
        opening_end[stopped] = opening_close[stopped]
        return trials_from_motion(
            rel_pos,
            rel_rot,
            phase_of_step=sch.phase,
            ref=ref,
            cfg=cfg,
            start_penetration=penetration,
            opening_end=opening_end,
            touch_close=touch_close,
            touch_end=touch_end,
            opening_close=opening_close,
            finite=result["finite"].astype(bool),
            min_opening=min_opening,
            # PhysX's joint limits hold; Newton's (MuJoCo-Warp) are soft and close a few mm past on air
            stops_hold=cfg.isaaclab.physics == "physx",
        )


def _opening(gripper: ParallelJawGripper | SimHand, finger: np.ndarray) -> np.ndarray:
    """(b,) pad opening, metres, from the worker's finger joint values (b, k): the two box fingers' sum,
    or read off a real hand's leader (column 0) through its opening table."""
    if gripper.hand_model is not None:  # a real hand's SimHand
        return gripper.tree.opening_at(finger[:, 0])
    return finger.sum(axis=1) + gripper.min_opening
