"""What every robot-description importer (URDF, MJCF, USD) hands to the gripper model.

An importer's whole job is to read its format with the library made for it and answer one question:
where is every link that carries collision geometry when the driven joint is at ``q`` (coupled joints
following their mimic or equality rule)? Everything dexgen derives from a real hand (its base frame,
pads, opening table, stroke) is computed from these answers in :mod:`dexgen.grippers.model`, once for
every format, so the three importers cannot drift apart in what they mean.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import trimesh

from dexgen.errors import InputError

LinkPoses = Callable[[float], Mapping[str, np.ndarray]]  # q -> {link: 4x4 pose in the root link frame}


@dataclasses.dataclass(frozen=True, eq=False)
class Articulation:
    """A gripper as its description states it, in the description's own root frame and metres."""

    source: Path  # the description file read (for messages)
    sha256: str  # of the description and every mesh file it references, so an edited mesh is a new hand
    root: str  # the link every pose refers to (the description's base)
    meshes: Mapping[str, trimesh.Trimesh]  # collision mesh per link, in that link's frame (merged geoms)
    driven_joint: str  # the one joint an actuator drives
    limits: tuple[float, float]  # the driven joint's (lower, upper) position, radians or metres
    link_poses: LinkPoses  # exact forward kinematics of every link in ``meshes`` at a driven value
    fingers: tuple[str, str] | None = None  # two finger (pad) links, where the description implies them
    closing_force: float | None = None  # N, where the description gives an effort limit
    parents: Mapping[str, str | None] | None = None  # link -> parent link (None at the root): the tree
    # a simulator rebuilds the hand's joints on (every link of the description, not only ``meshes``)

    def __post_init__(self) -> None:
        lo, hi = self.limits
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise InputError(f"{self.source}: joint {self.driven_joint!r} has no usable limits ({lo}, {hi})")
        if not self.meshes:
            raise InputError(f"{self.source}: no link carries collision geometry")
