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
    far, n_far = extent_along(mesh, p, -n_p)
    with np.errstate(invalid="ignore"):
        ok = (far >= gripper.min_opening) & (far + 2 * cfg.clearance < gripper.max_opening)
    return Proposals(
        points=p[ok],
        rotations=rolled_frames(-n_p[ok], roll_rng),
        depths=gripper.tcp_depth - offsets[ok],
        far=far[ok],
        normals=np.stack([n_p[ok], n_far[ok]], axis=1),
        settle=False,
        rejected={"stroke": int((~ok).sum())},
    )
