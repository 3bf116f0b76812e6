"""A suction gripper's cups as GraspGen's ``SuctionCupArray`` models them (grippers.md §4-5).

Each cup is a right pyramid: ``num_sides`` lip vertices on a circle of ``cup_radius`` (vertex i at
``(r sin(2 pi i / N), r cos(2 pi i / N), 0)``, GraspGen's order) and an apex ``cup_height`` above the
lip. Springs join neighbouring lip vertices (perimeter), every second one (flexion) and each vertex to
the apex (cone); their rest lengths come from this undeformed pyramid. ``num_suction_points_for_hole_check``
points on a sunflower spiral (alpha 2, GraspGen's ``sunflower``) fill the lip disc for the hole test.

Frames: a cup's lip frame is GraspGen's contact frame, +z out of the object (the cup approaches along
-z), origin at the lip centre; ``poses`` place each cup on the plate (the grasp frame).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from dexgen.grippers.spec import SuctionGripper

GOLDEN = (1 + np.sqrt(5)) / 2
SUNFLOWER_ALPHA = 2.0  # GraspGen's boundary-point density of the hole-check spiral


def sunflower(n: int, radius: float, alpha: float = SUNFLOWER_ALPHA) -> np.ndarray:
    """(n, 3) float64 -- points filling a disc of ``radius`` in z = 0 (Vogel's spiral, ``b`` on the rim)."""
    b = round(alpha * np.sqrt(n))  # boundary points
    k = np.arange(1, n + 1, dtype=np.float64)
    r = np.where(k > n - b, 1.0, np.sqrt(np.maximum(k - 0.5, 0.0)) / np.sqrt(n - (b + 1) / 2)) * radius
    theta = k * 2 * np.pi / GOLDEN**2
    return np.stack([r * np.cos(theta), r * np.sin(theta), np.zeros(n)], axis=1)


@dataclasses.dataclass(frozen=True)
class CupArray:
    """The numbers of GraspGen's seal and wrench tests for one gripper.

    poses : (k, 4, 4) float64 -- each cup's lip frame in the grasp (plate) frame; ring : (N, 3) lip
    vertices and holes : (M, 3) hole-check points, lip frame, metres.
    """

    poses: np.ndarray
    ring: np.ndarray
    holes: np.ndarray
    radius: float  # m
    height: float  # m, apex above the lip
    suction_force: float  # N
    friction: float
    kappa: float  # material elastic limit
    max_change: float  # spring stretch fraction
    standoff: float  # m

    @classmethod
    def from_gripper(cls, gripper: SuctionGripper) -> CupArray:
        n, r = gripper.num_sides, gripper.cup_radius
        a = 2 * np.pi * np.arange(n) / n
        ring = np.stack([np.sin(a) * r, np.cos(a) * r, np.zeros(n)], axis=1)
        return cls(
            poses=np.array(gripper.cup_poses, dtype=np.float64).reshape(-1, 4, 4),
            ring=ring,
            holes=sunflower(gripper.num_suction_points_for_hole_check, r),
            radius=r,
            height=gripper.cup_height,
            suction_force=gripper.suction_force,
            friction=gripper.friction,
            kappa=gripper.material_kappa,
            max_change=gripper.spring_max_length_change,
            standoff=gripper.standoff_distance,
        )

    @property
    def num_cups(self) -> int:
        return len(self.poses)

    def rest_lengths(self) -> tuple[float, float, float]:
        """(perimeter, flexion, cone) spring rest lengths of the undeformed pyramid, metres."""
        apex = np.array([0.0, 0.0, self.height])
        return (
            float(np.linalg.norm(self.ring[0] - self.ring[1])),
            float(np.linalg.norm(self.ring[0] - self.ring[2 % len(self.ring)])),
            float(np.linalg.norm(self.ring[0] - apex)),
        )
