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
from dexgen.guess.samplers.proposals import Proposals
from dexgen.guess.sampling import rolled_frames, sample_surface
from dexgen.params.guess import GuessConfig


def propose(
    mesh: trimesh.Trimesh, gripper: ParallelJawGripper, count: int, rng: np.random.Generator, cfg: GuessConfig
) -> Proposals:
    p, face = sample_surface(mesh, count, rng)
    n_p = mesh.face_normals[face]
    roll_rng = np.random.default_rng(rng.integers(2**63))
    offsets = rng.uniform(*cfg.depth_offset_range, size=count)
    reach = gripper.max_opening - 2 * cfg.clearance
    far, n_far = last_exit_within(mesh, p, -n_p, reach)
    ok = ~np.isnan(far) & (far >= gripper.min_opening)
    return Proposals(
        points=p[ok],
        rotations=rolled_frames(-n_p[ok], roll_rng),
        depths=gripper.tcp_depth - offsets[ok],
        far=far[ok],
        normals=np.stack([n_p[ok], n_far[ok]], axis=1),
        settle=True,
        rejected={"stroke": int((~ok).sum())},
    )
