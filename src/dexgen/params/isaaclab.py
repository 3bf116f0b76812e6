"""The Isaac Lab backend's own knobs (``params.yaml: sim.isaaclab``), used only when ``sim.backend: isaaclab``.

The trial itself (timeline, forces, success test, friction, masses, finger servo) comes from
:class:`dexgen.params.sim.SimConfig`, shared with the MuJoCo backend; what is here is how Isaac Lab
runs it: which engine, which device, which Python, how many environments per batch and the engine's
own solver settings. Lengths in metres, forces in newtons, times in seconds.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Literal


@dataclasses.dataclass(frozen=True)
class IsaacLabConfig:
    """How the out-of-process Isaac Lab worker runs a batch of trials."""

    # physx: ovphysx, NVIDIA's standalone PhysX (kit-less, CPU or GPU); newton: Newton's MuJoCo-Warp solver
    physics: Literal["physx", "newton"] = "physx"
    # auto: cuda when the worker sees a CUDA device, else cpu
    device: Literal["auto", "cpu", "cuda"] = "auto"
    # path of an existing Isaac Lab 3.x Python 3.12 interpreter (e.g. a GraspDataGen user's); null = the
    # environment dexgen builds from envs/isaaclab/requirements.lock (make isaaclab-env)
    python: str | None = None
    # environments (trials) simulated together; thousands pay off on a GPU, ~128 on 2 CPU cores
    num_envs: int = 128
    # m between environment origins: trials must not touch each other (PhysX collides across envs)
    env_spacing: float = 1.0
    # physics steps per protocol step (protocol.timestep / substeps is the engine's dt); null = per engine: 1 for
    # PhysX (holds at the protocol's 2 ms), 4 for Newton (MuJoCo-Warp shook a light mug loose at 2 ms and held
    # it at 0.5 ms; isaaclab.md §3 saw a box dropped at 1/240 s and held at 1/600 s)
    substeps: int | None = None
    # PhysX articulation / rigid-body position iterations, GraspDataGen's minimum: at the gripper's own 235 N the
    # box 2F-85 closed through a 22 g hammer's handle in 8 of 8 collision-free grasps at 16 and held it at 64
    position_iterations: int = 64
    # PhysX velocity iterations
    velocity_iterations: int = 1
    # N/m and N s/m: the hand's three prismatic drives track the protocol's hand targets (a stiff spring: under
    # 1 mm lag at the lift's 8 m/s^2 with a 1 kg hand and object)
    hand_stiffness: float = 1e5
    hand_damping: float = 2e3
    # N m/rad and N m s/rad: the hand's three revolute drives (the shake's rotation)
    hand_angular_stiffness: float = 1e4
    hand_angular_damping: float = 2e2
    # kg of each massless link of the hand's drive chain (PhysX needs positive masses; small next to the palm)
    link_mass: float = 0.05
    # kg (prismatic) and kg m^2 (revolute) of armature on the hand's six joints: without it MuJoCo-Warp's chain of
    # light links shook the object out during the shake; it barely loads the stiff drives
    hand_armature: float = 0.1
    # N/m and N s/m: Newton's contact stiffness and damping for every shape (its default 2.5e3 N/m lets a 40 N pad
    # sink centimetres into the object; 1e5 N/m is under 1 mm, as MuJoCo's stiff finger_solref)
    newton_contact_stiffness: float = 1e5
    newton_contact_damping: float = 1e3
    # m; PhysX contact offset (contacts are generated within this gap) and rest offset (the resting gap)
    contact_offset: float = 0.002
    rest_offset: float = 0.0
    # s the parent waits for the worker to start or to finish one batch before it declares it dead
    startup_timeout: float = 600.0
    batch_timeout: float = 3600.0

    @property
    def physics_substeps(self) -> int:
        """``substeps``, or the engine's default when it is null."""
        return self.substeps if self.substeps is not None else (1 if self.physics == "physx" else 4)

    def __post_init__(self) -> None:
        if self.physics not in ("physx", "newton"):
            raise ValueError(f"isaaclab.physics must be 'physx' or 'newton', got {self.physics!r}")
        if self.device not in ("auto", "cpu", "cuda"):
            raise ValueError(f"isaaclab.device must be 'auto', 'cpu' or 'cuda', got {self.device!r}")
        if self.python is not None and not (isinstance(self.python, str) and self.python.strip()):
            raise ValueError(f"isaaclab.python must be a path or null, got {self.python!r}")
        for name in ("num_envs", "substeps", "position_iterations", "velocity_iterations"):
            value = getattr(self, name)
            if name == "substeps" and value is None:
                continue
            if not (isinstance(value, int) and value >= 1):
                raise ValueError(f"isaaclab.{name} must be an integer >= 1, got {value!r}")
        for name in (
            "env_spacing",
            "hand_stiffness",
            "hand_angular_stiffness",
            "link_mass",
            "contact_offset",
            "newton_contact_stiffness",
            "startup_timeout",
            "batch_timeout",
        ):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"isaaclab.{name} must be > 0, got {value!r}")
        for name in (
            "hand_damping",
            "hand_angular_damping",
            "rest_offset",
            "hand_armature",
            "newton_contact_damping",
        ):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"isaaclab.{name} must be >= 0, got {value!r}")
        if self.rest_offset >= self.contact_offset:
            raise ValueError(
                f"isaaclab.rest_offset {self.rest_offset} must be below contact_offset {self.contact_offset}"
            )
