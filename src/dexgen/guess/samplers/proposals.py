"""What a sampler hands on: closing lines with where each pad should meet the object."""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass
class Proposals:
    """Grasps one sampler proposes in one batch, before the pads are placed (in sampling order).

    points : (n, 3) float64 -- closing-line origin on the surface, where finger_neg's pad is proposed
    rotations : (n, 3, 3) float64 -- columns: closing +x, y, approach +z (object frame)
    depths : (n,) float64 -- metres from the gripper base to the closing line along +z
    far : (n,) float64 -- where finger_pos's pad is proposed, metres along +x from ``points``
    normals : (n, 2, 3) float64 -- outward surface normals at the two proposed contacts
    settle : pads move to first touch (:mod:`dexgen.guess.pads`); False places them at ``points`` and
        ``far`` exactly and leaves any overlap to the collision check (ACRONYM's way)
    rejected : surface samples dropped by the sampler, by reason
    """

    points: np.ndarray
    rotations: np.ndarray
    depths: np.ndarray
    far: np.ndarray
    normals: np.ndarray
    settle: bool
    rejected: dict[str, int]

    def __len__(self) -> int:
        return len(self.points)
