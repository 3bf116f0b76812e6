"""Typed config of suction labels for the GraspGen export (``params.yaml: graspgen.suction``)."""

from __future__ import annotations

import dataclasses
from typing import Literal

SuctionRule = Literal["graspgen", "dexnet"]


@dataclasses.dataclass(frozen=True)
class SuctionLabelConfig:
    """How suction contacts are drawn and labelled for GraspGen (``dexgen.suction.rules``).

    ``graspgen``: GraspGen's own seal test, ``object_in_gripper`` = sealed, as its tutorial writes it.
    ``dexnet``: Dex-Net 3.0's seal and robust wrench resistance with the object hanging below the cup,
    and a cup body or tube that hits the object is a negative.
    """

    rule: SuctionRule = "graspgen"
    candidates: int = (
        500  # surface contacts drawn per round and object (GraspGen's tutorial: 2000 for one object)
    )
    # more seeded rounds while an object is short of its positive quota: a small sealable face (a bottle's
    # cap under a 30 mm cup) may take thousands of uniform draws; an object with none spends them all
    max_rounds: int = 8
    # after a round short of the quota, this share of the next round's contacts is drawn around the positives
    # found (0 = uniform rounds throughout)
    near_share: float = 0.5
    # cups that must seal for a cup-array grasp to count: null = every cup (GraspGen's sealed.all)
    cups_required: int | None = None
    num_disturbances: int = 10  # GraspGen's random unit disturbance forces (its score, written per grasp)
    # dexnet rule (dexnet.md §4, ICRA'18): robust wrench resistance > threshold over perturbed trials
    dexnet_threshold: float = 0.2
    dexnet_mass: float = 1.0  # kg
    dexnet_kappa: float = 0.1  # our reading of the elastic limit (see params dexnet.synth.suction.kappa)
    dexnet_perturbations: int = 10
    # near-miss negatives: share of the kept negatives drawn from contacts within 2 cup radii of a positive
    near_miss_fraction: float = 0.5

    def __post_init__(self) -> None:
        for name in ("candidates", "max_rounds", "num_disturbances", "dexnet_perturbations"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.cups_required is not None and self.cups_required < 1:
            raise ValueError(f"cups_required must be >= 1 or null (every cup), got {self.cups_required}")
        if not 0.0 <= self.dexnet_threshold < 1.0 or not 0.0 <= self.near_miss_fraction <= 1.0:
            raise ValueError("dexnet_threshold must be in [0, 1) and near_miss_fraction in [0, 1]")
        if not 0.0 <= self.near_share <= 1.0:
            raise ValueError(f"near_share must be in [0, 1], got {self.near_share}")
        if not (self.dexnet_mass > 0 and self.dexnet_kappa > 0):
            raise ValueError("dexnet_mass and dexnet_kappa must be > 0")
