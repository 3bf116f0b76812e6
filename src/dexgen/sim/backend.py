"""The interface every physics backend implements, and the per-trial result it returns.

A backend is a class holding whatever is expensive to set up (a thread pool, MjData per thread, a
GPU context); :meth:`SimBackend.run` takes one object, one gripper and N poses and returns one
:class:`Trials`. Callers (the stage, the report, the tests) use only this, so a batched GPU backend
(MuJoCo Warp / MJX) or an out-of-process Isaac Lab backend is one new module plus one line in
:mod:`dexgen.sim.registry`. Labels are made by :mod:`dexgen.sim.evaluate` from trajectories, so all
backends share one success test.
"""

from __future__ import annotations

import abc
import dataclasses

import numpy as np

from dexgen.grippers.spec import ParallelJawGripper
from dexgen.sim.config import SimConfig
from dexgen.sim.objects import SimObject

# Where a trial failed (int8 codes in outputs). "none" for held trials.
PHASES = ("none", "start", "close", "lift", "tug", "shake", "end")
# Why it failed. "held" for successes.
REASONS = ("held", "start_penetration", "missed", "slipped", "rotated", "lost_contact", "unstable")


@dataclasses.dataclass
class Trials:
    """Results of N grasp trials on one object, in input order.

    success : (n,) bool -- held to the end (see SuccessConfig)
    score : (n,) float64 in [0, 1] -- >= 0.5 iff success; higher = less drift / survived longer
    phase, reason : (n,) int8 -- indices into PHASES / REASONS
    final_poses : (n, 4, 4) float64 -- gripper base in the object frame at the end, metres
    translation_drift : (n,) float64 -- metres, object in the hand frame, end vs end-of-close
    rotation_drift : (n,) float64 -- degrees, same
    start_penetration : (n,) float64 -- metres the gripper starts inside the object's sim geometry (0 = free)
    final_opening : (n,) float64 -- pad opening at the end, metres
    """

    success: np.ndarray
    score: np.ndarray
    phase: np.ndarray
    reason: np.ndarray
    final_poses: np.ndarray
    translation_drift: np.ndarray
    rotation_drift: np.ndarray
    start_penetration: np.ndarray
    final_opening: np.ndarray

    ARRAYS = (
        "success",
        "score",
        "phase",
        "reason",
        "final_poses",
        "translation_drift",
        "rotation_drift",
        "start_penetration",
        "final_opening",
    )

    @classmethod
    def concatenate(cls, parts: list[Trials]) -> Trials:
        return cls(**{name: np.concatenate([getattr(p, name) for p in parts]) for name in cls.ARRAYS})

    @classmethod
    def empty(cls) -> Trials:
        z = np.zeros(0)
        return cls(
            np.zeros(0, bool), z, np.zeros(0, np.int8), np.zeros(0, np.int8), np.zeros((0, 4, 4)), z, z, z, z
        )

    def __len__(self) -> int:
        return len(self.success)


class SimBackend(abc.ABC):
    """One physics engine. Use as a context manager so pools and devices are released."""

    name: str = ""

    def __init__(self, config: SimConfig) -> None:
        self.config = config

    @abc.abstractmethod
    def run(
        self, obj: SimObject, gripper: ParallelJawGripper, poses: np.ndarray, openings: np.ndarray
    ) -> Trials:
        """Simulate one trial per pose.

        poses : (n, 4, 4) float64 -- gripper base in the object frame, metres (+z approach, +x closing)
        openings : (n,) float64 -- pad opening at the start of each trial, metres
        """

    def version(self) -> str:
        """Engine name and version, written into provenance."""
        return self.name

    def close(self) -> None:  # noqa: B027 -- an optional hook, not abstract
        """Release threads, devices, subprocesses (a no-op unless the backend holds some)."""

    def __enter__(self) -> SimBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
