"""Antipodal sampler (ours, Dex-Net style): closing axes inside both contacts' friction cones.

A point ``p`` with outward face normal ``n_p`` is drawn area-uniformly; a closing direction ``d``
uniformly inside (``axis_cone_fraction`` of) the friction cone around ``-n_p``; a ray along ``d``
finds where it leaves the solid, ``q`` with normal ``n_q``. Kept when ``d`` lies inside both cones
(half-angle atan(mu)) and ``|q - p|`` fits the stroke. Drawing ``d`` across the whole cone (the
default) is what finds grasps on tapered shapes: on a cone of half-angle 16 deg the axis along
``-n_p`` is 33 deg off ``n_q``, outside a mu = 0.5 cone, while the level axis is inside both. The
pads then settle to where they first touch (a tilted pad touches at an edge, not flush).
"""

from __future__ import annotations

import numpy as np
import trimesh

from dexgen.grippers.spec import ParallelJawGripper
from dexgen.guess.rays import first_hit
from dexgen.guess.samplers.proposals import Proposals
from dexgen.guess.sampling import rolled_frames, sample_in_cone, sample_surface
from dexgen.params.guess import GuessConfig


def propose(
    mesh: trimesh.Trimesh, gripper: ParallelJawGripper, count: int, rng: np.random.Generator, cfg: GuessConfig
) -> Proposals:
    half_angle = cfg.cone_half_angle
    cos_cone = np.cos(half_angle) - 1e-9
    p, face = sample_surface(mesh, count, rng)
    n_p = mesh.face_normals[face]
    d = sample_in_cone(-n_p, cfg.axis_cone_fraction * half_angle, rng)
    # Draw every random number before filtering, so the stream does not depend on ray results.
    roll_rng = np.random.default_rng(rng.integers(2**63))
    offsets = rng.uniform(*cfg.depth_offset_range, size=count)
    widths, n_q = first_hit(mesh, p, d)
    has_hit = ~np.isnan(widths)
    with np.errstate(invalid="ignore"):
        in_cones = (np.einsum("ij,ij->i", d, -n_p) >= cos_cone) & (np.einsum("ij,ij->i", d, n_q) >= cos_cone)
        in_stroke = (widths >= gripper.min_opening) & (widths + 2 * cfg.clearance < gripper.max_opening)
    ok = has_hit & in_cones & in_stroke
    rejected = {
        "no_exit_hit": int((~has_hit).sum()),
        "friction_cone": int((has_hit & ~in_cones).sum()),
        "stroke": int((has_hit & in_cones & ~in_stroke).sum()),
    }
    return Proposals(
        points=p[ok],
        rotations=rolled_frames(d[ok], roll_rng),
        depths=gripper.tcp_depth - offsets[ok],
        far=widths[ok],
        normals=np.stack([n_p[ok], n_q[ok]], axis=1),
        settle=True,
        rejected=rejected,
    )
