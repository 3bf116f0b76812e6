"""ACRONYM's sampler, as GraspDataGen ports it (``graspdatagen.md`` §4, "ACRONYM mode").

Closing along ``-n_p`` at an area-uniform surface point; the object's whole thickness along that
line (cast back from beyond the mesh) is taken between the pads; the gripper is centred on it with
a random roll; no friction-cone test and no pad settling: whatever overlaps is left to the collision
check. It is here to compare against: it never finds a grasp with a finger inside a concavity that
the line crosses twice (a bowl wall, a ring's tube seen across the hole).
"""

from __future__ import annotations

import numpy as np
import trimesh

from dexgen.grippers.spec import ParallelJawGripper
from dexgen.guess.rays import extent_along
from dexgen.guess.samplers.normal_lines import propose_along_normals
from dexgen.guess.samplers.proposals import Proposals
from dexgen.params.guess import GuessConfig


def propose(
    mesh: trimesh.Trimesh, gripper: ParallelJawGripper, count: int, rng: np.random.Generator, cfg: GuessConfig
) -> Proposals:
    return propose_along_normals(
        mesh, gripper, count, rng, cfg, lambda p, d: extent_along(mesh, p, d), settle=False
    )
