"""A PNG grid of example thumbnails per task, positives and negatives side by side."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from dexgen.atomic import write_bytes


def example_grid(
    path: str | Path,
    images: np.ndarray,
    labels: np.ndarray,
    *,
    title: str,
    count: int,
    seed_rng: np.random.Generator,
) -> None:
    """Write ``count`` crops (half positive, half negative when possible) as a PNG grid.

    images : (n, 32, 32, 1) float32 depth, metres; labels : (n,) bool.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pos, neg = np.flatnonzero(labels), np.flatnonzero(~labels)
    k_pos = min(len(pos), count // 2)
    k_neg = min(len(neg), count - k_pos)
    pick = np.concatenate(
        [seed_rng.choice(pos, k_pos, replace=False), seed_rng.choice(neg, k_neg, replace=False)]
    ).astype(int)
    cols = 8
    rows = max(1, -(-len(pick) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.2, rows * 1.3 + 0.4), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, i in zip(axes.ravel(), pick):
        im = images[i, :, :, 0]
        ax.imshow(im, cmap="viridis_r", vmin=float(im.min()), vmax=float(im.max()) + 1e-6)
        ax.set_title("pos" if labels[i] else "neg", fontsize=7, color="green" if labels[i] else "red")
    fig.suptitle(title, fontsize=9)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, metadata={"Software": None})
    plt.close(fig)
    write_bytes(path, buf.getvalue())
