"""A contact sheet PNG of an object set, ray-cast with embree (cheap and dependency-light)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import trimesh

_VIEW = trimesh.transformations.euler_matrix(np.radians(-55), 0.0, np.radians(30), "sxyz")[:3, :3]
_LIGHT = np.array([0.3, -0.5, 0.8]) / np.linalg.norm([0.3, -0.5, 0.8])


def shade(mesh: trimesh.Trimesh, *, pixels: int = 96) -> np.ndarray:
    """(pixels, pixels) float image in [0, 1]: Lambert shading from an oblique orthographic view."""
    m = mesh.copy()
    m.apply_translation(-m.bounds.mean(axis=0))
    m.vertices = m.vertices @ _VIEW.T
    half = 1.08 * float(np.abs(m.vertices[:, :2]).max()) + 1e-9
    u = np.linspace(-half, half, pixels)
    xs, ys = np.meshgrid(u, -u)
    origins = np.column_stack([xs.ravel(), ys.ravel(), np.full(xs.size, m.bounds[1, 2] + 1.0)])
    directions = np.tile([0.0, 0.0, -1.0], (xs.size, 1))
    image = np.ones(xs.size)
    tri, ray, _ = m.ray.intersects_id(origins, directions, multiple_hits=False, return_locations=True)
    normals = m.face_normals[tri]
    image[ray] = 0.25 + 0.7 * np.clip(np.abs(normals @ _LIGHT), 0.0, 1.0)
    return image.reshape(pixels, pixels)


def contact_sheet(items: list[tuple[str, trimesh.Trimesh]], path: str | Path) -> None:
    """Write a grid of shaded objects with their keys and sizes to ``path`` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from dexgen.atomic import write_bytes

    n = max(len(items), 1)
    cols = min(6, n)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(2.0 * cols, 2.2 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, (key, mesh) in zip(axes.ravel(), items):
        ax.imshow(shade(mesh), cmap="gray", vmin=0.0, vmax=1.0)
        ax.set_title(f"{key}\n{1000 * mesh.extents.max():.0f} mm", fontsize=7)
    fig.tight_layout()
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, metadata={"Software": None})
    plt.close(fig)
    write_bytes(path, buf.getvalue())
