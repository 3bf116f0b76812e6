"""Training-time augmentation on raw depth (metres), applied before normalisation.

gqcnn (``reference/dexnet.md`` §4, §6): multiplicative Gamma noise (shape 1000, scale 0.001: mean 1,
std ~3 %) per image (here it also scales the pose's depth columns, as a depth-scale error of the
camera would: gqcnn left the gripper depth alone, so the image moved ~2 cm against it at 0.7 m);
with probability 0.5 a coarse Gaussian grid (8x8, sigma 5 mm) upsampled bicubic to the image and
added; then, each independently with p = 0.5, a 180-degree rotation, a left-right flip
and an up-down flip (suction negates the approach angle on the rotation and on the up-down flip).
Dex-Net 5.0 added the noise after normalisation, which shrinks it to nothing; :func:`prepare_batch`
keeps the order explicit: augment raw depth, then normalise. Flips are exact index flips (gqcnn's
OpenCV warp shifts by a pixel).

All draws come from a numpy Generator the caller derives from the seed, so a training run is reproducible.
"""

from __future__ import annotations

import functools

import numpy as np
import torch
import torch.nn.functional as F

from dexgen.dexnet.stats import NormStats
from dexgen.params.learn import AugmentConfig


def add_noise(
    depth: torch.Tensor, cfg: AugmentConfig, rng: np.random.Generator
) -> tuple[torch.Tensor, np.ndarray | None]:
    """``depth`` (b, 1, h, w) raw metres with Gamma and correlated Gaussian noise (a new tensor), and
    the Gamma factors (b,) (None when Gamma noise is off)."""
    b, _, h, w = depth.shape
    out, scale = depth, None
    if cfg.gamma_shape > 0:
        scale = rng.gamma(cfg.gamma_shape, 1.0 / cfg.gamma_shape, size=b).astype(np.float32)
        out = out * torch.from_numpy(scale).to(out.device).view(b, 1, 1, 1)
    if cfg.gp_sigma > 0 and cfg.gp_prob > 0:
        grid = rng.normal(0.0, cfg.gp_sigma, size=(b, 1, cfg.gp_grid, cfg.gp_grid)).astype(np.float32)
        apply = (rng.random(b) < cfg.gp_prob).astype(np.float32).reshape(b, 1, 1, 1)
        grid = torch.from_numpy(grid * apply).reshape(b, -1).to(out.device)
        up = upsampler(cfg.gp_grid, h, w).to(out.device)
        out = out + (grid @ up).view(b, 1, h, w)
    return out, scale


@functools.lru_cache(maxsize=8)
def upsampler(grid: int, h: int, w: int) -> torch.Tensor:
    """(grid * grid, h * w) matrix of the bicubic upsampling of a ``grid`` x ``grid`` image to h x w.

    Interpolation is linear in the image, so one matrix product does for a whole batch what
    ``F.interpolate(mode="bicubic")`` does image by image, ~10x faster on a CPU (same values to float
    rounding: the matrix is that very interpolation applied to the basis images).
    """
    basis = torch.eye(grid * grid).view(grid * grid, 1, grid, grid)
    return F.interpolate(basis, size=(h, w), mode="bicubic", align_corners=False).reshape(grid * grid, h * w)


def symmetrize(
    depth: torch.Tensor, pose: torch.Tensor, rng: np.random.Generator, *, negate: tuple[int, ...] = ()
) -> tuple[torch.Tensor, torch.Tensor]:
    """Random 180-degree rotation, left-right and up-down flips of ``depth`` (b, 1, h, w).

    ``negate`` lists pose columns (suction approach angle) that change sign on the rotation and on the
    up-down flip. Returns new tensors.
    """
    b = depth.shape[0]
    draws = rng.random((3, b)) < 0.5
    # The rotation is both flips, so each image ends up flipped along W, along H, both or neither:
    # one indexed copy per case instead of three full-batch selects.
    flip_w, flip_h = draws[0] ^ draws[1], draws[0] ^ draws[2]
    out = depth.clone()
    for case, dims in (((True, False), (-1,)), ((False, True), (-2,)), ((True, True), (-1, -2))):
        rows = np.flatnonzero((flip_w == case[0]) & (flip_h == case[1]))
        if len(rows):
            index = torch.from_numpy(rows).to(depth.device)
            out[index] = depth[index].flip(dims)
    depth = out
    if negate:
        sign = np.ones(pose.shape, dtype=np.float32)  # the angle flips with the image along H
        sign[:, list(negate)] = np.where(flip_h, -1.0, 1.0)[:, None]
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
    depth_columns: tuple[int, ...] = (),
) -> tuple[torch.Tensor, torch.Tensor]:
    """Network inputs from raw batch tensors: augment raw depth (if ``augment``), then normalise.

    ``depth`` (b, 1, h, w) float32 metres, ``pose`` (b, P) float32; ``depth_columns`` of ``pose`` are
    metres of the same camera (scaled with the image by Gamma noise). Returns normalised copies.
    """
    if augment is not None and augment.enabled:
        if rng is None:
            raise ValueError("augmentation needs a seeded numpy Generator (dexgen.seeding.rng_for)")
        depth, scale = add_noise(depth, augment, rng)
        if scale is not None and augment.gamma_scales_pose and depth_columns:
            factors = np.ones(pose.shape, dtype=np.float32)
            factors[:, list(depth_columns)] = scale[:, None]
            pose = pose * torch.from_numpy(factors).to(pose.device)
        if augment.symmetrize:
            depth, pose = symmetrize(depth, pose, rng, negate=negate)
    return stats.normalize(depth, pose)
