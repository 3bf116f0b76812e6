"""3-D pages of a GraspGen dataset as GraspGen sees it (:mod:`dexgen.viewer`): the scaled mesh of each
object and its grasps drawn as GraspGen's own gripper sketch (the control-point "Y" of
``load_control_points_for_visualization``, from the file's ``width`` and ``depth``; a suction gripper's
cups as lip circles at their contacts), true ones green,
false ones red, colliding guesses orange. A real hand is drawn too, with its meshes at full opening:
the pose of the collision mesh GraspGen loads from ``config/grippers``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import trimesh

from dexgen.errors import InputError
from dexgen.graspgen.grasp_file import read_grasp_file
from dexgen.graspgen.validate import resolve_mesh
from dexgen.grippers.model import GripperModel
from dexgen.viewer.hand import hand_poses
from dexgen.viewer.page import ViewerObject, write_page

MAX_OBJECTS = 4  # objects per split page: enough to look at, small enough to open anywhere


def y_segments(width: float, depth: float) -> np.ndarray:
    """(6, 2, 3) GraspGen's gripper sketch in the base frame: fingertips, knuckles, stem to the origin."""
    tip_pos, tip_neg = np.array([width / 2, 0, depth]), np.array([-width / 2, 0, depth])
    knuckle_pos, knuckle_neg = np.array([width / 2, 0, depth / 2]), np.array([-width / 2, 0, depth / 2])
    mid, origin = (knuckle_pos + knuckle_neg) / 2, np.zeros(3)
    points = [tip_pos, knuckle_pos, mid, origin, mid, knuckle_neg, tip_neg]
    return np.array(
        [
            [points[i], points[i + 1]]
            for i in range(len(points) - 1)
            if not np.allclose(points[i], points[i + 1])
        ]
    )


def cup_segments(poses: np.ndarray, radius: float, depth: float, sides: int = 16) -> np.ndarray:
    """(s, 2, 3) a suction gripper's sketch in GraspGen's grasp frame: each cup's lip circle at its pose
    (the contact, +z out of the object) and the stem from the plate to ``depth``."""
    a = np.linspace(0.0, 2 * np.pi, sides + 1)
    ring = np.stack([radius * np.cos(a), radius * np.sin(a), np.zeros_like(a), np.ones_like(a)], axis=1)
    segs = []
    for pose in np.asarray(poses, dtype=np.float64).reshape(-1, 4, 4):
        pts = (ring @ pose.T)[:, :3]
        segs += [[pts[i], pts[i + 1]] for i in range(sides)]
    segs.append([np.zeros(3), np.array([0.0, 0.0, depth])])
    return np.array(segs)


def gripper_sketch(gripper: dict, path: str | Path) -> np.ndarray:
    """The segments GraspGen would draw for a grasp file's gripper block: cups for a suction gripper
    (``poses``, ``radius``), else the parallel-jaw "Y" from ``width`` and ``depth``."""
    if "poses" in gripper and "radius" in gripper:
        return cup_segments(
            np.array(gripper["poses"]), float(gripper["radius"]), float(gripper.get("depth", 0.0))
        )
    if "width" not in gripper or "depth" not in gripper:
        raise InputError(f"{path}: the gripper block has no width and depth to draw it with")
    return y_segments(float(gripper["width"]), float(gripper["depth"]))


def grasp_file_object(
    path: str | Path, object_root: str | Path, hand: GripperModel | None = None
) -> ViewerObject:
    """The object of one grasp file, its mesh found as GraspGen finds it (scaled by ``object.scale``);
    with ``hand``, its bodies at full opening at every grasp."""
    doc, transforms, success = read_grasp_file(path)
    key, scale = doc["object"]["file"], doc["object"]["scale"]
    mesh_path = resolve_mesh(Path(object_root), key)
    if mesh_path is None:
        raise InputError(f"{path}: the mesh of '{key}' is not under {object_root}")
    mesh = trimesh.load(mesh_path, force="mesh", process=False)
    mesh.apply_scale(scale)
    gripper = doc.get("gripper", {})
    sketch = gripper_sketch(gripper, path)
    # (k, s, 2, 3): each grasp's sketch, rotated and moved into the object frame
    segments = np.einsum("kij,sej->ksei", transforms[:, :3, :3], sketch) + transforms[:, None, None, :3, 3]
    kinds = doc.get("dexgen", {}).get("kinds")
    names = doc.get("dexgen", {}).get("kind_names", [])
    groups = []
    for i, ok in enumerate(success):
        colliding = kinds is not None and names[kinds[i]] == "colliding"
        groups.append("positive" if ok else "colliding" if colliding else "negative")
    posed = None if hand is None else hand_poses(hand, transforms)
    return ViewerObject(
        str(key), np.asarray(mesh.vertices), np.asarray(mesh.faces), segments, groups, hand_poses=posed
    )


def write_split_pages(
    dataset: Path,
    gripper: str,
    splits: dict[str, list[str]],
    names: dict[str, str],
    object_root: Path,
    hand: GripperModel | None = None,
) -> list[Path]:
    """``<dataset>/viewer/<split>.html`` for the first objects of each split (``names``: key -> grasp
    file); ``hand``: the real hand the data was made with, drawn at each grasp."""
    pages = []
    for split, keys in splits.items():
        chosen = sorted(keys)[:MAX_OBJECTS]
        if not chosen:
            continue
        objects = [
            grasp_file_object(dataset / "grasp_data" / gripper / names[k], object_root, hand) for k in chosen
        ]
        title = f"{gripper}: {split} split, {len(chosen)} of {len(keys)} objects"
        pages.append(write_page(dataset / "viewer" / f"{split}.html", objects, title=title, hand=hand))
    return pages
