"""The typed config of the guess stage (``params.yaml: guess``), validated once at load."""

from __future__ import annotations

import dataclasses
import importlib.resources
import math
from pathlib import Path

from dexgen.config import to_mapping
from dexgen.hashing import stable_hash

# The samplers ``guess.samplers`` may name; the order fixes their int8 codes in guess files (append,
# never reorder). dexgen.guess.samplers.registry maps them to code (a test keeps the two equal).
SAMPLER_NAMES = ("antipodal", "finger_pad", "acronym")
DEFAULT_MIX = {"antipodal": 0.5, "finger_pad": 0.5, "acronym": 0.0}  # fractions of surface samples

# Fields that change how fast or what is drawn, never the per-object output bytes: left out of the
# params hash so that changing them does not invalidate finished objects on resume. The gripper is
# named here by file or name only; its content hash is in the provenance, so two paths to one file agree.
# Its bounds only accept or refuse it, never change what is made.
_NOT_HASHED = ("gripper", "gripper_bounds", "workers", "max_pictures", "picture_grasps", "worst_pictures")


@dataclasses.dataclass(frozen=True)
class GripperBounds:
    """Plausible ranges of a real gripper; a value outside them is almost always a unit slip
    (millimetres written as metres: ``max_opening: 85``) or a typo, which would otherwise run to the
    end and train on nonsense. ``guess.gripper_bounds`` widens them for an unusual hand; a gripper
    rebuilt from the data it made is not checked again."""

    min_length: float = 0.001  # metres: no pad, finger or cup is thinner than a millimetre
    max_length: float = 1.0  # metres: a hand that picks table-top objects spans well under a metre
    min_force: float = 0.1  # newtons: below this nothing of a few grams is held
    max_force: float = 10_000.0  # newtons: industrial grippers top out at a few kN
    max_friction: float = 2.0  # coefficient: rubber on dry glass is about 1-2

    def __post_init__(self) -> None:
        for lo, hi in (("min_length", "max_length"), ("min_force", "max_force")):
            if not 0 < getattr(self, lo) < getattr(self, hi):
                raise ValueError(f"need 0 < {lo} < {hi}, got {getattr(self, lo)} and {getattr(self, hi)}")
        if not self.max_friction > 0:
            raise ValueError(f"max_friction must be positive, got {self.max_friction}")


@dataclasses.dataclass(frozen=True)
class GuessConfig:
    """Grasp sampling and collision-check settings (lengths in metres)."""

    gripper: str = "robotiq_2f_85"  # shipped gripper name, or a gripper YAML or robot description path
    gripper_bounds: GripperBounds = GripperBounds()  # a gripper outside them is refused on load
    # quotas per object; GraspDataGen's defaults are 64 and 16: the CPU default halves them for twice the objects
    num_collision_free_grasps: int = 32  # quota of collision-free guesses per object
    num_colliding_grasps: int = 8  # quota of colliding guesses per object
    num_random_poses: int = 8  # collision-free uniformly random poses (the simulator's negative control)
    # fraction of surface samples per sampler (SAMPLER_NAMES), summing to 1
    samplers: dict[str, float] = dataclasses.field(default_factory=lambda: dict(DEFAULT_MIX))
    friction_coef: float = 0.5  # mu (antipodal): both contact normals within atan(mu) of the closing axis
    axis_cone_fraction: float = (
        1.0  # antipodal: closing axis drawn within this fraction of the cone around -normal
    )
    pad_step: float = 0.001  # pads back off the surface in these steps until free (GraspDataGen standoff)
    pad_steps: int = 16  # at most this many steps; a pad still blocked drops the sample
    pad_tolerance: float = 0.00025  # pads then close back to within this of first touch
    clearance: float = 0.002  # every gripper body is inflated by this margin for the collision check
    depth_offset_range: tuple[float, float] = (0.0, 0.01)  # contact this far behind the TCP (deeper), uniform
    opening_steps: int = 32  # discrete pre-grasp openings between min and max (the finger sweep ladder)
    batch_size: int = 512  # first batch of surface samples; later batches adapt to the running yield
    max_attempts: int = 20000  # cap on surface samples per object; a shortfall is recorded past it
    random_pose_margin: float = 0.05  # random TCPs are drawn in the object's box grown by this much
    max_random_attempts: int = 2000  # cap on random pose draws per object
    max_pictures: int = 8  # PNGs per shard (first objects in key order); 0 = none
    picture_grasps: int = 12  # grasps drawn per label in a picture
    worst_pictures: int = 2  # worst-covered objects drawn per shard by the coverage report
    workers: int = 0  # processes over objects; 0 = all cores

    def __post_init__(self) -> None:
        for name in (
            "num_collision_free_grasps",
            "num_colliding_grasps",
            "num_random_poses",
            "max_pictures",
            "picture_grasps",
            "worst_pictures",
            "workers",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        for name in ("batch_size", "max_attempts", "max_random_attempts"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        _check_mix(self.samplers)
        check_gripper(self.gripper, "gripper")
        if self.pad_steps < 1 or not 0 < self.pad_tolerance < self.pad_step:
            raise ValueError(
                f"pad_steps must be >= 1 and 0 < pad_tolerance < pad_step, got {self.pad_steps}, "
                f"{self.pad_tolerance}, {self.pad_step}"
            )
        if self.opening_steps < 2:
            raise ValueError(f"opening_steps must be >= 2, got {self.opening_steps}")
        if not self.friction_coef > 0:
            raise ValueError(f"friction_coef must be > 0, got {self.friction_coef}")
        if not 0.0 <= self.axis_cone_fraction <= 1.0:
            raise ValueError(f"axis_cone_fraction must be in [0, 1], got {self.axis_cone_fraction}")
        if self.clearance < 0 or self.random_pose_margin < 0:
            raise ValueError("clearance and random_pose_margin must be >= 0")
        lo, hi = self.depth_offset_range
        if lo > hi:
            raise ValueError(
                f"depth_offset_range {self.depth_offset_range} must be [low, high] with low <= high"
            )

    def mix(self) -> list[tuple[str, float]]:
        """(sampler, fraction) pairs in code order, zero fractions left out."""
        return [(name, self.samplers[name]) for name in SAMPLER_NAMES if self.samplers.get(name, 0) > 0]

    @property
    def cone_half_angle(self) -> float:
        """Friction cone half-angle, radians: atan(mu)."""
        return math.atan(self.friction_coef)

    def output_params(self) -> dict:
        """The fields that decide the output bytes (hashed into provenance ``params_hash``)."""
        out = {k: v for k, v in to_mapping(self).items() if k not in _NOT_HASHED}
        out["samplers"] = {
            name: float(self.samplers.get(name, 0.0)) for name in SAMPLER_NAMES
        }  # one spelling
        return out

    def output_hash(self) -> str:
        return stable_hash(self.output_params())


DESCRIPTIONS = (".urdf", ".xml", ".mjcf", ".usd", ".usda", ".usdc")  # dexgen.grippers.importers suffixes


def check_gripper(value: str, key: str) -> None:
    """A gripper value is a shipped name (box or real hand) or a path (a ``.yaml`` or an existing file such
    as a ``.urdf``); anything else fails at load, so a typo stops ``dvc repro`` before the objects
    stage. Paths are read, and checked, where used."""
    if not value.strip():
        raise ValueError(f"{key} must name a shipped gripper or a gripper YAML file")
    if Path(value).suffix in (".yaml", ".yml") or Path(value).exists():
        return
    names = sorted(  # the package's *.yaml files, as dexgen.grippers.loader.gripper_names lists them
        p.name[: -len(".yaml")]
        for p in importlib.resources.files("dexgen.grippers").iterdir()
        if p.name.endswith(".yaml")
    )
    real = sorted(  # the shipped real hands, as dexgen.grippers.description.real_names lists them
        p.name[: -len(".yaml")]
        for p in (importlib.resources.files("dexgen.grippers") / "real").iterdir()
        if p.name.endswith(".yaml")
    )
    if value not in names + real:
        raise ValueError(
            f"{key} {value!r} is not a shipped gripper {names + real} nor a path to a gripper YAML or "
            f"an existing robot description ({', '.join(DESCRIPTIONS)})"
        )


def _check_mix(mix: dict[str, float]) -> None:
    unknown = sorted(set(mix) - set(SAMPLER_NAMES))
    if unknown:
        raise ValueError(f"samplers: unknown sampler(s) {unknown}; known: {list(SAMPLER_NAMES)}")
    if any(not math.isfinite(v) or v < 0 for v in mix.values()):
        raise ValueError(f"samplers: fractions must be finite and >= 0, got {mix}")
    if abs(sum(mix.values()) - 1.0) > 1e-6:
        raise ValueError(f"samplers: fractions must sum to 1, got {sum(mix.values()):g} ({mix})")
