"""Heatmaps per grasp angle: the GQ-CNN scores crops whose closing axis runs along the crop's x axis,
so a grasp at angle theta is scored on the image turned by -theta.

Each angle bin ``k`` (theta = k * pi / bins, counter-clockwise from the image x axis, y pointing down
as in the array) turns the whole image once onto a canvas large enough to hold it at any angle
(bilinear, edges repeated), and the FC-GQ-CNN scores every crop of that canvas at ``stride``: each
cell equals the sliding window on the same turned image (``tests/learn/test_angles.py``). Cells whose
crop centre falls outside the original image are NaN. Dex-Net 5.0 has no angle output either; its
users rotate the input the same way (``reference/dexnet.md`` §9).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
from scipy import ndimage

from dexgen.inference.predict import ImagePrediction, draw_heatmap, load_scorer, predict_image, save_figure


def canvas_shape(shape: tuple[int, int]) -> tuple[int, int]:
    """(rows, cols) holding an (H, W) image turned by any angle, each of H's and W's parity so the
    unturned image lands on whole pixels."""
    diagonal = math.ceil(math.hypot(*shape))
    return diagonal + (diagonal - shape[0]) % 2, diagonal + (diagonal - shape[1]) % 2


def _centres(shape: tuple[int, int], canvas: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    return (np.asarray(shape) - 1) / 2, (np.asarray(canvas) - 1) / 2


def turn(depth: np.ndarray, theta: float, canvas: tuple[int, int]) -> np.ndarray:
    """The image turned so that direction ``theta`` of ``depth`` runs along the canvas's x axis."""
    c, c2 = _centres(depth.shape, canvas)
    cos, sin = math.cos(theta), math.sin(theta)
    matrix = np.array([[cos, sin], [-sin, cos]])  # canvas (row, col) -> image (row, col), about centres
    return ndimage.affine_transform(
        depth, matrix, offset=c - matrix @ c2, output_shape=canvas, order=1, mode="nearest"
    ).astype(np.float32)


def to_image(x: np.ndarray, y: np.ndarray, theta: float, shape: tuple[int, int], canvas: tuple[int, int]):
    """Canvas pixel coordinates (x, y) of bin ``theta`` -> coordinates in the original image."""
    (cr, cc), (r2, c2) = _centres(shape, canvas)
    cos, sin = math.cos(theta), math.sin(theta)
    dx, dy = np.asarray(x, dtype=np.float64) - c2, np.asarray(y, dtype=np.float64) - r2
    return cos * dx - sin * dy + cc, sin * dx + cos * dy + cr


@dataclasses.dataclass(frozen=True)
class AnglePrediction:
    """p(success) per angle bin and crop position; ``scores`` (bins, h, w), NaN off the image."""

    scores: np.ndarray
    thetas: np.ndarray  # (bins,) radians
    bins: tuple[ImagePrediction, ...]  # each bin's prediction on its turned canvas
    shape: tuple[int, int]  # the original image's (H, W)
    canvas: tuple[int, int]

    def best(self) -> dict[str, Any]:
        """The highest-scoring grasp: angle, centre in the original image, p(success), pose."""
        k, row, col = np.unravel_index(int(np.nanargmax(self.scores)), self.scores.shape)
        cx, cy = self.bins[k].center(int(row), int(col))
        x, y = to_image(cx, cy, float(self.thetas[k]), self.shape, self.canvas)
        return {
            "angle": float(self.thetas[k]),
            "bin": int(k),
            "x": round(float(x), 3),
            "y": round(float(y), 3),
            "row": int(row),
            "col": int(col),
            "p_success": float(self.scores[k, row, col]),
            "pose": [float(v) for v in self.bins[k].poses[row, col]],
        }


def predict_angles(
    checkpoint: str | Path,
    depth: np.ndarray,
    bins: int,
    *,
    pose: list[float] | None = None,
    stride: int | None = None,
    device: str = "auto",
) -> AnglePrediction:
    """Heatmaps of ``depth`` (H, W) for ``bins`` grasp angles evenly over [0, pi)."""
    if bins < 1:
        raise ValueError(f"angle bins must be >= 1, got {bins}")
    shape = (int(depth.shape[0]), int(depth.shape[1]))
    canvas = canvas_shape(shape)
    thetas = np.arange(bins) * math.pi / bins
    scorer = load_scorer(checkpoint)  # once, not per bin
    preds = tuple(
        predict_image(scorer, turn(depth, float(t), canvas), pose=pose, stride=stride, device=device)
        for t in thetas
    )
    scores = np.stack([p.scores for p in preds]).astype(np.float32)
    for k, (theta, p) in enumerate(zip(thetas, preds)):
        rows, cols = np.indices(p.scores.shape)
        cx, cy = p.center(rows, cols)
        x, y = to_image(cx, cy, float(theta), shape, canvas)
        outside = (x < -0.5) | (x > shape[1] - 0.5) | (y < -0.5) | (y > shape[0] - 0.5)
        scores[k][outside] = np.nan
    return AnglePrediction(scores=scores, thetas=thetas, bins=preds, shape=shape, canvas=canvas)


def save_angles_png(path: str | Path, depth: np.ndarray, prediction: AnglePrediction) -> Path:
    """One panel per angle bin: the turned image with its heatmap (the grasp axis runs left-right in
    every panel), the best bin's title in bold."""
    from matplotlib.figure import Figure

    bins = len(prediction.thetas)
    cols = min(bins, 4)
    rows = math.ceil(bins / cols)
    fig = Figure(figsize=(3.2 * cols + 0.8, 3.4 * rows), dpi=100, layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    best = prediction.best()
    im = None
    for k, ax in enumerate(axes):
        if k >= bins:
            ax.set_axis_off()
            continue
        shown = dataclasses.replace(prediction.bins[k], scores=prediction.scores[k])  # NaN off the image
        im = draw_heatmap(
            ax, turn(depth, float(prediction.thetas[k]), prediction.canvas), shown, mark_best=False
        )
        if k == best["bin"]:
            x, y = prediction.bins[k].center(best["row"], best["col"])
            ax.plot(x, y, marker="x", color="white", markersize=10, mew=3)
        top = np.nanmax(prediction.scores[k]) if np.isfinite(prediction.scores[k]).any() else float("nan")
        ax.set_title(
            f"{math.degrees(prediction.thetas[k]):.1f} deg: best p={top:.3f}",
            fontweight="bold" if k == best["bin"] else "normal",
            fontsize=9,
        )
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(im, ax=list(axes), shrink=0.8, label="p(success)")
    return save_figure(path, fig)
