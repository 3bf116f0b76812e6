"""The interface every physics backend implements (results: :class:`dexgen.records.trials.Trials`).

A backend is a class holding whatever is expensive to set up (a thread pool, MjData per thread, a
GPU context); :meth:`SimBackend.run` takes one object, one gripper and N poses and returns one
:class:`Trials`. Callers (the stage, the report, the tests) use only this, so a batched GPU backend
(MuJoCo Warp / MJX) or an out-of-process Isaac Lab backend is one new module plus one line in
:mod:`dexgen.sim.registry`. Labels are made by :mod:`dexgen.sim.evaluate` from trajectories, so all
backends share one success test.
"""

from __future__ import annotations

import abc

import numpy as np

from dexgen.grippers.model import GripperModel
from dexgen.grippers.spec import ParallelJawGripper
from dexgen.params.sim import SimConfig
from dexgen.records.trials import Trials
from dexgen.sim.hand_spec import SimHand, scene_hand
from dexgen.sim.objects import SimObject


def trial_inputs(poses: np.ndarray, openings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every backend's first check: (n, 4, 4) float64 poses and one opening per pose."""
    poses = np.asarray(poses, dtype=np.float64).reshape(-1, 4, 4)
    openings = np.asarray(openings, dtype=np.float64).reshape(-1)
    if len(poses) != len(openings):
        raise ValueError(f"{len(poses)} poses but {len(openings)} openings")
    return poses, openings


class SimBackend(abc.ABC):
    """One physics engine. Use as a context manager so pools and devices are released."""

    name: str = ""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self._hands: dict[str, SimHand] = {}

    def hand(self, gripper: ParallelJawGripper | GripperModel | SimHand) -> ParallelJawGripper | SimHand:
        """A real hand's :class:`SimHand` (its joints and convex parts, made once per hand: both engines
        simulate the same parts); a box gripper or a hand already made as it is."""
        return scene_hand(gripper, self.config, cache_dir=None, made=self._hands)

    @abc.abstractmethod
    def run(
        self, obj: SimObject, gripper: ParallelJawGripper, poses: np.ndarray, openings: np.ndarray
    ) -> Trials:
        """Simulate one trial per pose.

        poses : (n, 4, 4) float64 -- gripper base in the object frame, metres (+z approach, +x closing)
        openings : (n,) float64 -- pad opening at the start of each trial, metres
        """

    @classmethod
    def version(cls) -> str:
        """Engine name and version, written into provenance (a classmethod: the driver that decides what
        to redo needs it without starting an engine)."""
        return cls.name

    def close(self) -> None:  # noqa: B027 -- an optional hook, not abstract
        """Release threads, devices, subprocesses (a no-op unless the backend holds some)."""

    def __enter__(self) -> SimBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
