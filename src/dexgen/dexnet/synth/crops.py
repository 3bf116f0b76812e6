"""Grasp-centred 32 x 32 thumbnails cut from a depth image, as Dex-Net made them (``dexnet.md`` §4).

Dex-Net translated the image so the grasp centre ``(u, v)`` sits at the image centre, rotated it by the
grasp-axis angle (nearest neighbour, about the centre) so the axis runs along the middle row, cropped
96 x 96 and resized to 32 x 32 (bilinear). Here the translate-rotate-crop is one nearest-neighbour
gather through the rotated grid, which is the same pixels without transforming the whole image, and
the 3:1 resize is PIL-style bilinear (a triangle filter 3 source pixels wide, so nothing aliases).

Angles are measured in the image from +u (right) towards +v (down), radians; the crop's +x (columns)
is the grasp axis direction ``(cos theta, sin theta)``. The grasp centre lands between thumbnail rows
and columns 15 and 16.
"""

from __future__ import annotations

import numpy as np

from dexgen.dexnet.fields import IMAGE_SIZE
from dexgen.portable import matmul


def _reduce_weights(factor: int) -> np.ndarray:
    """(IMAGE_SIZE, IMAGE_SIZE * factor) float64 -- bilinear (triangle) downsampling matrix."""
    n_in = IMAGE_SIZE * factor
    centres = (np.arange(IMAGE_SIZE) + 0.5) * factor - 0.5  # output centres in input pixel units
    x = np.arange(n_in)
    w = np.clip(1.0 - np.abs(x[None, :] - centres[:, None]) / factor, 0.0, None)
    return w / w.sum(axis=1, keepdims=True)


def crop_grid(crop_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (crop_size, crop_size) of each crop pixel from the grasp centre: (dx along axis, dy)."""
    off = np.arange(crop_size) - (crop_size - 1) / 2
    dy, dx = np.meshgrid(off, off, indexing="ij")
    return dx, dy


def grasp_crops(
    depth: np.ndarray, centres: np.ndarray, angles: np.ndarray, *, crop_size: int = 96
) -> np.ndarray:
    """(n, 32, 32, 1) float32 thumbnails, metres.

    depth : (h, w) float32 -- depth image, metres
    centres : (n, 2) float64 -- grasp centres (u, v) in pixels (column, row)
    angles : (n,) float64 -- radians; the direction (cos, sin) in (u, v) becomes the thumbnail's +x
    Pixels outside the image take the nearest border pixel.
    """
    centres = np.asarray(centres, dtype=np.float64).reshape(-1, 2)
    angles = np.asarray(angles, dtype=np.float64).reshape(-1)
    if crop_size % IMAGE_SIZE:
        raise ValueError(f"crop_size must be a multiple of {IMAGE_SIZE}, got {crop_size}")
    h, w = depth.shape
    dx, dy = crop_grid(crop_size)
    c, s = np.cos(angles)[:, None, None], np.sin(angles)[:, None, None]
    u = centres[:, 0, None, None] + c * dx - s * dy  # (n, crop, crop)
    v = centres[:, 1, None, None] + s * dx + c * dy
    # round half up (not numpy's half-to-even), so an axis-aligned grid samples every pixel once
    ui = np.clip(np.floor(u + 0.5).astype(np.int64), 0, w - 1)
    vi = np.clip(np.floor(v + 0.5).astype(np.int64), 0, h - 1)
    big = depth[vi, ui].astype(np.float64)  # (n, crop, crop) nearest neighbour
    W = _reduce_weights(crop_size // IMAGE_SIZE)
    small = matmul(matmul(W, big), W.T)  # (n, 32, 32); not BLAS, whose bits vary by CPU
    return small[..., None].astype(np.float32)
