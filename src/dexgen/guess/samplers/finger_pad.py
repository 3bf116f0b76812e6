"""Finger-pad placement (GraspDataGen's default sampler, ``graspdatagen.md`` §4).

A pad is put on an area-uniform surface point ``p``, closing along ``-n_p``, at a drawn contact depth
and roll, with no friction-cone test. The other finger starts from the widest opening it can close
from: just past the farthest point within the stroke where the closing line leaves the solid. Both
pads then settle to first touch and the grasp is centred between them. Where the antipodal sampler
asks for a good pair of normals, this one asks only that the fingers fit, so it also finds rim,
ring and handle grasps whose far contact is an edge, and it yields grasps that fail in simulation,
which GraspGen's discriminator needs.
"""

from __future__ import annotations

import numpy as np
import trimesh

from dexgen.grippers.spec import ParallelJawGripper
from dexgen.guess.rays import last_exit_within
from dexgen.guess.samplers.normal_lines import propose_along_normals
from dexgen.guess.samplers.proposals import Proposals
from dexgen.params.guess import GuessConfig


def propose(
    mesh: trimesh.Trimesh, gripper: ParallelJawGripper, count: int, rng: np.random.Generator, cfg: GuessConfig
) -> Proposals:
    reach = gripper.max_opening - 2 * cfg.clearance
    return propose_along_normals(
        mesh, gripper, count, rng, cfg, lambda p, d: last_exit_within(mesh, p, d, reach), settle=True
    )
