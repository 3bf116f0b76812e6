"""Training-time augmentation on raw depth (metres), applied before normalisation.

gqcnn (``reference/dexnet.md`` §4, §6): multiplicative Gamma noise (shape 1000, scale 0.001: mean 1,
std ~3 %) per image; with probability 0.5 a coarse Gaussian grid (8x8, sigma 5 mm) upsampled bicubic to
the image and added; then, each independently with p = 0.5, a 180-degree rotation, a left-right flip
and an up-down flip (suction negates the approach angle on the rotation and on the up-down flip).
Dex-Net 5.0 added the noise after normalisation, which shrinks it to nothing; :func:`prepare_batch`
keeps the order explicit: augment raw depth, then normalise. Flips are exact index flips (gqcnn's
OpenCV warp shifts by a pixel).

All draws come from a numpy Generator the caller derives from the seed, so a training run is reproducible.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from dexgen.dexnet.stats import NormStats
from dexgen.params.learn import AugmentConfig


def add_noise(depth: torch.Tensor, cfg: AugmentConfig, rng: np.random.Generator) -> torch.Tensor:
    """``depth`` (b, 1, h, w) raw metres with Gamma and correlated Gaussian noise; a new tensor."""
    b, _, h, w = depth.shape
    out = depth
    if cfg.gamma_shape > 0:
        scale = rng.gamma(cfg.gamma_shape, 1.0 / cfg.gamma_shape, size=b).astype(np.float32)
        out = out * torch.from_numpy(scale).to(out.device).view(b, 1, 1, 1)
    if cfg.gp_sigma > 0 and cfg.gp_prob > 0:
        grid = rng.normal(0.0, cfg.gp_sigma, size=(b, 1, cfg.gp_grid, cfg.gp_grid)).astype(np.float32)
        apply = (rng.random(b) < cfg.gp_prob).astype(np.float32).reshape(b, 1, 1, 1)
        grid = torch.from_numpy(grid * apply).to(out.device)
        out = out + F.interpolate(grid, size=(h, w), mode="bicubic", align_corners=False)
    return out


def symmetrize(
    depth: torch.Tensor, pose: torch.Tensor, rng: np.random.Generator, *, negate: tuple[int, ...] = ()
) -> tuple[torch.Tensor, torch.Tensor]:
    """Random 180-degree rotation, left-right and up-down flips of ``depth`` (b, 1, h, w).

    ``negate`` lists pose columns (suction approach angle) that change sign on the rotation and on the
    up-down flip. Returns new tensors.
    """
    b = depth.shape[0]
    draws = rng.random((3, b)) < 0.5
    rot, lr, ud = (torch.from_numpy(d).to(depth.device).view(b, 1, 1, 1) for d in draws)
    depth = torch.where(rot, depth.flip(-1, -2), depth)
    depth = torch.where(lr, depth.flip(-1), depth)
    depth = torch.where(ud, depth.flip(-2), depth)
    if negate:
        flips = draws[0] ^ draws[2]  # the rotation and the up-down flip each negate the angle
        sign = np.ones(pose.shape, dtype=np.float32)
        sign[:, list(negate)] = np.where(flips, -1.0, 1.0)[:, None]
        pose = pose * torch.from_numpy(sign).to(pose.device)
    return depth, pose


def prepare_batch(
    depth: torch.Tensor,
    pose: torch.Tensor,
    stats: NormStats,
    *,
    augment: AugmentConfig | None = None,
    rng: np.random.Generator | None = None,
    negate: tuple[int, ...] = (),
) -> tuple[torch.Tensor, torch.Tensor]:
    """Network inputs from raw batch tensors: augment raw depth (if ``augment``), then normalise.

    ``depth`` (b, 1, h, w) float32 metres, ``pose`` (b, P) float32. Returns normalised copies.
    """
    if augment is not None and augment.enabled:
        if rng is None:
            raise ValueError("augmentation needs a seeded numpy Generator (dexgen.seeding.rng_for)")
        depth = add_noise(depth, augment, rng)
        if augment.symmetrize:
            depth, pose = symmetrize(depth, pose, rng, negate=negate)
    return stats.normalize(depth, pose)
