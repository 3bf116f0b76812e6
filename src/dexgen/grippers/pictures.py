"""Pictures of a gripper model at open, half and closed: a PNG of side views.

The 3-D page of the same three poses is :mod:`dexgen.viewer.gripper_page` (the viewer depends on
grippers, never the reverse). The PNG (matplotlib, Agg) has one column per opening and two orthographic views, the closing plane
(x-z) and the side (y-z), every triangle drawn flat-shaded, pad bodies in orange, the contact (bite)
points in red and the TCP as a cross.
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import PolyCollection

from dexgen.atomic import write_bytes
from dexgen.grippers.model import GripperModel

VIEWS = (("front (x-z)", 0, 1), ("side (y-z)", 1, 0))  # title, horizontal axis, depth axis
_LIGHT = np.array([0.3, -0.4, 0.87]) / np.linalg.norm([0.3, -0.4, 0.87])
PRECISION = 5  # decimals of a metre in the page: 10 micrometres


def states(model: GripperModel) -> list[tuple[str, float]]:
    """(label, opening) of the three poses drawn: open, half, closed."""
    half = (model.stroke + model.min_opening) / 2
    return [
        (f"open {model.stroke * 1000:.1f} mm", model.stroke),
        (f"half {half * 1000:.1f} mm", half),
        (f"closed {model.min_opening * 1000:.1f} mm", model.min_opening),
    ]


def _body_polys(model: GripperModel, opening: float, across: int, depth: int):
    """Triangles (t, 3, 2) projected on (across, z), their depth and colour, far first."""
    pads = {p.body for p in model.pads}
    polys, depths, colours = [], [], []
    for name, mesh, pose in zip(model.bodies, model.meshes, model.body_poses(opening)):
        tris = mesh.triangles @ pose[:3, :3].T + pose[:3, 3]
        shade = 0.35 + 0.6 * np.abs((mesh.face_normals @ pose[:3, :3].T) @ _LIGHT)
        base = np.array((0.95, 0.55, 0.15) if name in pads else (0.45, 0.55, 0.7))
        polys.append(tris[:, :, [across, 2]])
        depths.append(tris[:, :, depth].mean(axis=1))
        colours.append(shade[:, None] * base)
    order = np.argsort(np.concatenate(depths))
    return np.concatenate(polys)[order], np.concatenate(colours)[order]


def render_png(path: str | Path, model: GripperModel) -> Path:
    """Write the PNG of side views at open, half and closed; returns ``path``."""
    fig, axes = plt.subplots(len(VIEWS), 3, figsize=(11, 6.2), dpi=90)
    reach = max(np.abs(model.mesh_at(model.stroke).bounds).max(), 0.01)
    for col, (label, opening) in enumerate(states(model)):
        bites = model.bite_points(opening)
        tcp = bites.mean(axis=0)
        for row, (view, across, depth) in enumerate(VIEWS):
            ax = axes[row, col]
            polys, colours = _body_polys(model, opening, across, depth)
            ax.add_collection(PolyCollection(polys, facecolors=colours, edgecolors="none"))
            ax.plot(bites[:, across], bites[:, 2], "o", color="tab:red", ms=4)
            ax.plot([tcp[across]], [tcp[2]], "+", color="black", ms=10)
            ax.set_xlim(-reach, reach)
            ax.set_ylim(-0.1 * reach, 1.1 * reach)
            ax.set_aspect("equal")
            ax.set_title(f"{label}, {view}", fontsize=9)
            ax.tick_params(labelsize=7)
    fig.suptitle(
        f"{model.name} ({model.kind}): stroke {model.stroke * 1000:.1f} mm, TCP depth "
        f"{model.tcp_depth() * 1000:.1f} mm; pad bodies orange, bite points red, TCP +",
        fontsize=10,
    )
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    write_bytes(path, buf.getvalue())
    return Path(path)
