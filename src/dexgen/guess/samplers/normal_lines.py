"""What finger-pad placement and ACRONYM share: close along the surface normal at an area-uniform
point, with a drawn roll and contact depth; they differ only in where the far pad goes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import trimesh

from dexgen.grippers.spec import ParallelJawGripper
from dexgen.guess.samplers.proposals import Proposals
from dexgen.guess.sampling import rolled_frames, sample_surface
from dexgen.params.guess import GuessConfig

# (points (n, 3), closing directions (n, 3)) -> (far distance (n,), normal there (n, 3)), NaN for none
FarPad = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def propose_along_normals(
    mesh: trimesh.Trimesh,
    gripper: ParallelJawGripper,
    count: int,
    rng: np.random.Generator,
    cfg: GuessConfig,
    far_pad: FarPad,
    *,
    settle: bool,
) -> Proposals:
    """``count`` surface samples closing along ``-normal``; kept where ``far_pad`` fits the stroke."""
    p, face = sample_surface(mesh, count, rng)
    n_p = mesh.face_normals[face]
    roll_rng = np.random.default_rng(rng.integers(2**63))
    offsets = rng.uniform(*cfg.depth_offset_range, size=count)
    far, n_far = far_pad(p, -n_p)
    with np.errstate(invalid="ignore"):
        ok = (far >= gripper.min_opening) & (far + 2 * cfg.clearance <= gripper.max_opening)
    return Proposals(
        points=p[ok],
        rotations=rolled_frames(-n_p[ok], roll_rng),
        depths=gripper.tcp_depth - offsets[ok],
        far=far[ok],
        normals=np.stack([n_p[ok], n_far[ok]], axis=1),
        settle=settle,
        rejected={"stroke": int((~ok).sum())},
    )
