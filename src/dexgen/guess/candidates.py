"""One batch of grasp candidates: the samplers' proposals mixed by fraction, pads placed, stroke checked.

Each sampler gets its share of the batch's surface samples (largest remainder, in code order) and
draws from the object's one random stream in turn; the pooled candidates are then shuffled with the
same stream, so the first ones kept against a quota are not all from one sampler.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING

import numpy as np
import trimesh

from dexgen.grippers.spec import ParallelJawGripper
from dexgen.guess.model_hand import HandLimits
from dexgen.guess.pads import PadSettler
from dexgen.guess.samplers.proposals import Proposals
from dexgen.guess.samplers.registry import SAMPLERS
from dexgen.guess.sampling import poses_at
from dexgen.params.guess import GuessConfig
from dexgen.records.guesses import SAMPLERS as CODE_ORDER

if TYPE_CHECKING:
    from dexgen.guess.model_pads import ModelPadSettler

CODES = {name: i for i, name in enumerate(CODE_ORDER)}  # int8 sampler codes stored in guess files


@dataclasses.dataclass
class Candidates:
    """Candidates of one batch whose pads are placed and whose width fits the stroke.

    poses : (n, 4, 4) float64 -- gripper base in the object frame, centred between the pads, metres
    widths : (n,) float64 -- separation of the (clearance-inflated) pad faces at first touch, metres
    contacts : (n, 2, 3) float64 -- [finger_neg, finger_pos] pad faces on the closing line at first touch
    normals : (n, 2, 3) float64 -- outward surface normals at the sampler's proposed contacts
    samplers : (n,) int8 -- which sampler proposed each, index into ``records.guesses.SAMPLERS``
    rejected : surface samples dropped before the collision check, by reason
    """

    poses: np.ndarray
    widths: np.ndarray
    contacts: np.ndarray
    normals: np.ndarray
    samplers: np.ndarray
    rejected: dict[str, int]

    def __len__(self) -> int:
        return len(self.widths)


def split(count: int, mix: list[tuple[str, float]]) -> list[tuple[str, int]]:
    """``count`` samples shared by fraction (largest remainder, ties to the earlier sampler)."""
    exact = [(name, count * frac) for name, frac in mix]
    shares = [math.floor(x) for _, x in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i][1] - shares[i]), i))
    for i in by_remainder[: count - sum(shares)]:
        shares[i] += 1
    return [(name, n) for (name, _), n in zip(exact, shares)]


def place_pads(
    props: Proposals, settler: PadSettler, gripper: ParallelJawGripper, clearance: float, code: int
) -> Candidates:
    """Settle (or place) both pads of each proposal, centre the grasp between them, check the stroke."""
    if props.settle:
        near, far = settler.settle(props.points, props.rotations, props.depths, props.far)
    else:
        near, far = np.zeros(len(props)), props.far.copy()
    placed = ~np.isnan(near) & ~np.isnan(far)
    widths = far - near
    with np.errstate(invalid="ignore"):
        fits = placed & (widths >= gripper.min_opening) & (widths + 2 * clearance < gripper.max_opening)
    x = props.rotations[:, :, 0]
    contacts = np.stack([props.points + near[:, None] * x, props.points + far[:, None] * x], axis=1)[fits]
    centres = contacts.mean(axis=1)
    rejected = {"pad_blocked": int((~placed).sum()), "stroke": int((placed & ~fits).sum())}
    return Candidates(
        poses=poses_at(props.rotations[fits], centres, props.depths[fits]),
        widths=widths[fits],
        contacts=contacts,
        normals=props.normals[fits],
        samplers=np.full(int(fits.sum()), code, dtype=np.int8),
        rejected=rejected,
    )


def sample_candidates(
    mesh: trimesh.Trimesh,
    gripper: ParallelJawGripper | HandLimits,
    count: int,
    rng: np.random.Generator,
    cfg: GuessConfig,
    settler: PadSettler | ModelPadSettler,
) -> Candidates:
    """Draw ``count`` surface samples across the samplers of ``cfg.mix()`` and return the candidates.

    A real hand comes as its :class:`HandLimits` with its own settler
    (:class:`dexgen.guess.model_pads.ModelPadSettler`), which places the pads itself."""
    parts, rejected = [], {}
    for name, n in split(count, cfg.mix()):
        if n == 0:
            continue
        props = SAMPLERS[name](mesh, gripper, n, rng, cfg)
        part = (
            place_pads(props, settler, gripper, cfg.clearance, CODES[name])
            if isinstance(settler, PadSettler)
            else settler.place(props, cfg.clearance, CODES[name])
        )
        for reasons in (props.rejected, part.rejected):
            for key, value in reasons.items():
                rejected[f"{name}.{key}"] = rejected.get(f"{name}.{key}", 0) + value
        parts.append(part)
    order = rng.permutation(sum(len(p) for p in parts))
    return Candidates(
        poses=np.concatenate([p.poses for p in parts])[order],
        widths=np.concatenate([p.widths for p in parts])[order],
        contacts=np.concatenate([p.contacts for p in parts])[order],
        normals=np.concatenate([p.normals for p in parts])[order],
        samplers=np.concatenate([p.samplers for p in parts])[order],
        rejected=rejected,
    )
