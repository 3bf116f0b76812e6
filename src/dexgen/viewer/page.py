"""One self-contained HTML page showing objects with grasps in 3-D: no network, no server, one file.

The page (``template.html``, plain WebGL, about 300 lines of JavaScript) draws each object's mesh and,
at each grasp, the gripper as line segments, coloured by group (held / failed / colliding, positive /
negative) or by score; it has a toggle per group, a slider for how many grasps of each group are
drawn, and a choice of object; drag to orbit, scroll to zoom. Everything it shows is embedded as JSON,
rounded to 0.1 mm, so the same data always gives the same bytes.

Frames: vertices and segments are in the object frame, metres (the grasp poses are applied here).
A real hand (:class:`~dexgen.grippers.model.GripperModel`) is drawn with its bodies' meshes at each
grasp's opening as well (:mod:`dexgen.viewer.hand`); a box gripper's page is as it always was.
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import json
from pathlib import Path

import numpy as np

from dexgen.atomic import write_text
from dexgen.grippers.geometry import glyph
from dexgen.grippers.model import GripperModel
from dexgen.grippers.spec import Gripper
from dexgen.viewer.hand import hand_bodies, hand_pose_rows, hand_script, hand_segments

# group -> (label shown, colour): the PNG pictures' colours, so both read the same way
GROUPS = {
    "held": ("held in simulation", "#2ca02c"),
    "failed": ("failed in simulation", "#d62728"),
    "positive": ("positive (true)", "#2ca02c"),
    "negative": ("negative (false)", "#d62728"),
    "collision_free": ("collision-free guess", "#1f77b4"),
    "colliding": ("colliding", "#ff7f0e"),
    "random": ("random pose", "#7f7f7f"),
}
PRECISION = 4  # decimals of a metre: 0.1 mm


@dataclasses.dataclass
class ViewerObject:
    """One object and its grasps.

    vertices : (v, 3) float -- metres, object frame; faces : (f, 3) int
    segments : (k, s, 2, 3) float -- the gripper of each grasp as s line segments, object frame, metres
    groups : (k,) str -- a key of GROUPS per grasp; scores : (k,) float in [0, 1] or None
    hand_poses : (k, n, 4, 4) float or None -- a real hand's n bodies per grasp, object frame
        (:func:`dexgen.viewer.hand.hand_poses`); drawn with the page's ``hand`` meshes
    """

    name: str
    vertices: np.ndarray
    faces: np.ndarray
    segments: np.ndarray
    groups: list[str]
    scores: np.ndarray | None = None
    hand_poses: np.ndarray | None = None


def grasp_segments(
    gripper: Gripper | GripperModel, poses: np.ndarray, openings: np.ndarray | None = None
) -> np.ndarray:
    """(k, s, 2, 3) the gripper sketch of each pose (k, 4, 4) -- base in the object frame -- at its opening."""
    if gripper.hand_model is not None:
        return hand_segments(gripper.hand_model, poses, openings)
    out = []
    for i, pose in enumerate(np.asarray(poses, dtype=np.float64).reshape(-1, 4, 4)):
        seg = glyph(gripper, None if openings is None else float(openings[i]))
        out.append(seg @ pose[:3, :3].T + pose[:3, 3])
    return np.stack(out) if out else np.zeros((0, 4, 2, 3))


def _round(array: np.ndarray) -> list:
    return np.round(np.asarray(array, dtype=np.float64), PRECISION).tolist()


def _object_data(o: ViewerObject) -> dict:
    data = {
        "name": o.name,
        "vertices": _round(np.asarray(o.vertices).ravel()),
        "faces": np.asarray(o.faces, dtype=np.int64).ravel().tolist(),
        "segments": _round(np.asarray(o.segments).reshape(len(o.groups), -1)),
        "groups": list(o.groups),
        "scores": None if o.scores is None else _round(np.asarray(o.scores)),
    }
    if o.hand_poses is not None:  # only then: a box gripper's page keeps its bytes
        if len(o.hand_poses) != len(o.groups):
            raise ValueError(f"{o.name}: {len(o.hand_poses)} hand poses for {len(o.groups)} grasps")
        data["hand_poses"] = hand_pose_rows(o.hand_poses)
    return data


def page_data(objects: list[ViewerObject], *, title: str, hand: GripperModel | None = None) -> dict:
    """The JSON the page embeds (with ``hand``: its bodies' meshes, posed by each object's hand_poses)."""
    unknown = sorted({g for o in objects for g in o.groups} - set(GROUPS))
    if unknown:
        raise ValueError(f"unknown grasp groups {unknown}; groups are {sorted(GROUPS)}")
    if hand is None and any(o.hand_poses is not None for o in objects):
        raise ValueError("objects carry hand poses but the page has no hand to draw them with")
    data = {
        "title": title,
        "groups": {k: {"label": label, "colour": colour} for k, (label, colour) in GROUPS.items()},
        "objects": [_object_data(o) for o in objects],
    }
    if hand is not None:
        data["hand"] = hand_bodies(hand)
    return data


def embed(data: dict, *, title: str) -> str:
    """The template with ``data`` (any page's JSON) embedded and ``title`` escaped."""
    template = (importlib.resources.files("dexgen.viewer") / "template.html").read_text()
    text = json.dumps(data, separators=(",", ":"), allow_nan=False)
    text = text.replace("</", "<\\/")  # no `</script>` can end the data block early
    return template.replace("__TITLE__", _escape(title)).replace("__DATA__", text)


def render_page(objects: list[ViewerObject], *, title: str, hand: GripperModel | None = None) -> str:
    """The page's HTML (the template with the data embedded, and the hand's script where there is one)."""
    page = embed(page_data(objects, title=title, hand=hand), title=title)
    if hand is not None:
        page = page.replace("</body>", hand_script() + "</body>")
    return page


def write_page(
    path: str | Path, objects: list[ViewerObject], *, title: str, hand: GripperModel | None = None
) -> Path:
    """Write the page atomically; returns ``path``."""
    write_text(path, render_page(objects, title=title, hand=hand))
    return Path(path)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
