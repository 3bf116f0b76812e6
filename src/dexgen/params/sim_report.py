"""The typed config of the simulation report (``params.yaml: sim_report``), validated once at load."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class SimReportConfig:
    """When the report counts a held trial as one whose object **moved** in the hand.

    Under the ``contact`` rule (the ``graspdatagen`` preset) "held" asks only that both fingers touch the
    object at the close and at the end, so an object may slide or turn far during the tugs and still count;
    the report says how many did, against these limits on each trial's peak drift (the largest motion of the
    object in the hand frame after the close). Under the ``held`` rule no held trial passes
    ``sim.success.max_translation`` / ``max_rotation``, so limits above those count none.
    """

    # m; a held trial whose object moved farther than this in the hand after the close has moved
    moved_translation: float = 0.02
    # degrees; the same, turned
    moved_rotation: float = 30.0

    def __post_init__(self) -> None:
        for name in ("moved_translation", "moved_rotation"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
