"""The 3-D page of a gripper at open, half and closed, for ``dexgen gripper check``.

The viewer's template (plain WebGL, no network at view time) with one "object" per opening, the
hand's merged mesh, and the line between the bite points plus the approach axis up to the TCP drawn
over it. It lives in the viewer, beside the page it fills, so grippers never import the viewer.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dexgen.atomic import write_text
from dexgen.grippers.model import GripperModel
from dexgen.grippers.pictures import PRECISION, states
from dexgen.viewer.page import embed


def gripper_page_data(model: GripperModel) -> dict:
    """The JSON the viewer template embeds: one object per state, the pad line and axis as a grasp."""
    objects = []
    for label, opening in states(model):
        mesh = model.mesh_at(opening)
        bites = model.bite_points(opening)
        tcp = bites.mean(axis=0)
        segments = np.array([bites, [np.zeros(3), tcp]])
        objects.append(
            {
                "name": label,
                "vertices": np.round(mesh.vertices, PRECISION).ravel().tolist(),
                "faces": np.asarray(mesh.faces, dtype=np.int64).ravel().tolist(),
                "segments": [np.round(segments, PRECISION).ravel().tolist()],
                "groups": ["pads"],
                "scores": None,
            }
        )
    title = f"{model.name}: open, half and closed"
    groups = {"pads": {"label": "bite points and approach to the TCP", "colour": "#d62728"}}
    return {"title": title, "groups": groups, "objects": objects}


def write_gripper_page(path: str | Path, model: GripperModel) -> Path:
    """Write the self-contained 3-D page atomically (the viewer's template and embedding); returns ``path``."""
    data = gripper_page_data(model)
    write_text(path, embed(data, title=data["title"]))
    return Path(path)
