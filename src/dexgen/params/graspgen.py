"""The typed config of the GraspGen export (``params.yaml: graspgen``), validated once at load."""

from __future__ import annotations

import dataclasses

from dexgen.config import to_mapping
from dexgen.hashing import stable_hash
from dexgen.params.suction import SuctionLabelConfig

# GraspGen skips an object with fewer positives (min_pos_grasps_gen, graspgen-format.md §2).
GENERATOR_MIN_POSITIVES = 5


@dataclasses.dataclass(frozen=True)
class GraspgenConfig:
    """How labelled guesses and trials become a GraspGen training set.

    Counts follow GraspDataGen (``graspdatagen.md`` §7): ``num_collision_free_grasps`` is the most
    ``true`` entries kept per object, ``num_colliding_grasps`` the most ``false`` entries kept.
    """

    num_collision_free_grasps: int = 64  # max positives per object (sim successes; guesses under guess_only)
    num_colliding_grasps: int = 16  # max negatives per object (sim failures + colliding guesses)
    # share of the negatives drawn from colliding guesses; the rest are sim failures at their input pose.
    # A kind that runs short is topped up from the other when negative_topup is true.
    colliding_fraction: float = 0.5
    negative_topup: bool = True
    guess_only: bool = False  # no simulation: positives = collision-free guesses, negatives = colliding
    valid_set_percentage: float = 0.2  # fraction of objects in valid.txt (at least one when >= 2 objects)
    # objects with fewer positives are left out (GraspGen would skip them, code 102) and reported
    min_positives: int = GENERATOR_MIN_POSITIVES
    # stop the export when more than this fraction of the objects is left out
    max_excluded_fraction: float = 0.5
    # a positive TCP must lie this close (5-NN mean L1, metres) to the surface (GraspGen's visibility filter)
    visibility_distance: float = 0.03
    surface_samples: int = 2048  # surface points for the visibility check
    # a GraspGen checkout: its config/grippers and runs/ get the gripper config and training scripts too
    graspgen_source: str | None = None
    # m / degrees; a held trial whose object moved farther in the hand after the close (its peak drift: the
    # contact rule of the graspdatagen preset holds objects that slid or turned far in the tugs) becomes a
    # negative, a sim failure at its input pose, as a stricter rule would have labelled it; null = no limit
    max_motion_translation: float | None = None
    max_motion_rotation: float | None = None
    # suction grippers: how contacts are drawn and labelled (rule graspgen | dexnet, cup-array k of n)
    suction: SuctionLabelConfig = SuctionLabelConfig()
    # the stage's gripper: null = the one guess and sim used (trials exported); a suction gripper (shipped
    # name or YAML) = GraspGen's suction dataset of the pipeline's objects, labelled by the suction section
    gripper: str | None = None

    def __post_init__(self) -> None:
        for name in ("num_collision_free_grasps", "num_colliding_grasps", "min_positives"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.num_collision_free_grasps < self.min_positives:
            raise ValueError(
                f"num_collision_free_grasps {self.num_collision_free_grasps} is below min_positives "
                f"{self.min_positives}: no object could be kept"
            )
        for name in ("colliding_fraction", "max_excluded_fraction"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        if not 0.0 <= self.valid_set_percentage < 1.0:
            raise ValueError(f"valid_set_percentage must be in [0, 1), got {self.valid_set_percentage}")
        if not self.visibility_distance > 0 or self.surface_samples < 5:
            raise ValueError("visibility_distance must be > 0 and surface_samples >= 5")
        for name in ("max_motion_translation", "max_motion_rotation"):
            if getattr(self, name) is not None and not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be >= 0 or null, got {getattr(self, name)}")
        if self.gripper is not None and not self.gripper.strip():
            raise ValueError("gripper must be a gripper name or path, or null")
        if self.guess_only and self.motion_limited:
            raise ValueError(
                "max_motion_translation / max_motion_rotation need simulated trials, not guess_only"
            )

    @property
    def motion_limited(self) -> bool:
        """Whether held trials are checked against a motion limit."""
        return self.max_motion_translation is not None or self.max_motion_rotation is not None

    def output_hash(self) -> str:
        """Hash of the fields that decide a grasp file's bytes (split settings excluded; the motion limits
        only when set, so the files of an export without them keep their provenance)."""
        skip = (
            "valid_set_percentage",
            "max_excluded_fraction",
            "visibility_distance",
            "surface_samples",
            "graspgen_source",
            "suction",  # parallel-jaw files never depend on it (suction files: suction_hash)
            "gripper",  # the gripper's own hash is in every file's provenance
        )
        unset = tuple(
            k for k in ("max_motion_translation", "max_motion_rotation") if getattr(self, k) is None
        )
        return stable_hash({k: v for k, v in to_mapping(self).items() if k not in skip + unset})

    def suction_hash(self) -> str:
        """Hash of what decides a suction grasp file's bytes: the counts and the suction section."""
        keep = ("num_collision_free_grasps", "num_colliding_grasps", "suction")
        return stable_hash({k: v for k, v in to_mapping(self).items() if k in keep})
