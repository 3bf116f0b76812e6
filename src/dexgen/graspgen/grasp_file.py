"""One GraspGen grasp file: ``grasp_data/<gripper>/<basename>.<scale>.grasps.json`` (graspgen-format.md §2).

Contents::

    {"object":  {"file": <object key = split line>, "scale": <raw mesh -> metres>},
     "grasps":  {"transforms": N x 4 x 4 lists, "object_in_gripper": N JSON booleans},
     "gripper": {name, width, depth, offset, ...}      # written for people; GraspGen ignores it
     "dexgen":  {provenance, counts by kind, ...}}      # ours; GraspGen ignores it

Transforms are the gripper **base link** in the scaled mesh frame, metres (+z approach, +x closing).
The mask must be JSON ``true``/``false``: 0/1 integers make GraspGen index grasps #0 and #1 instead
(§9), so the reader refuses them, as it refuses nested ``[[true], ...]`` masks.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from dexgen.atomic import write_json
from dexgen.errors import InputError

SUFFIX = ".grasps.json"


def grasp_file_name(key: str, scale: float) -> str:
    """GraspDataGen's file name: ``<basename(key)>.<scale>.grasps.json`` (e.g. ``banana.obj.0.75.grasps.json``)."""
    return f"{PurePosixPath(key).name}.{float(scale)!r}{SUFFIX}"


def grasp_document(
    *,
    object_file: str,
    scale: float,
    transforms: np.ndarray,
    success: np.ndarray,
    gripper: dict[str, Any],
    dexgen: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON value of one grasp file.

    transforms : (n, 4, 4) float64 -- gripper base link in the scaled mesh frame, metres
    success : (n,) bool -- object_in_gripper (true = held in simulation)
    """
    transforms = np.asarray(transforms, dtype=np.float64).reshape(-1, 4, 4)
    success = np.asarray(success).reshape(-1)
    if success.dtype != np.bool_:
        raise ValueError(f"success must be a bool array, got {success.dtype}")
    if len(success) != len(transforms):
        raise ValueError(f"{len(transforms)} transforms but {len(success)} labels")
    doc: dict[str, Any] = {
        "object": {"file": object_file, "scale": float(scale)},
        "grasps": {
            "transforms": transforms.tolist(),
            "object_in_gripper": [bool(v) for v in success],  # Python bools -> JSON true/false
        },
        "gripper": gripper,
    }
    if dexgen is not None:
        doc["dexgen"] = dexgen
    return doc


def write_grasp_file(path: str | Path, doc: dict[str, Any]) -> None:
    """Write atomically; indent 1 keeps files readable and about half the size of indent 2."""
    write_json(path, doc, indent=1)


def load_json(path: str | Path) -> Any:
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not readable JSON ({exc})") from None


def parse_mask(value: Any, where: str) -> np.ndarray:
    """(n,) bool of an ``object_in_gripper`` value; only a flat list of JSON booleans is accepted."""
    if not isinstance(value, list):
        raise InputError(
            f"{where}: grasps.object_in_gripper must be a list of true/false, got {type(value).__name__}"
        )
    for i, v in enumerate(value):
        if isinstance(v, list):
            raise InputError(
                f"{where}: grasps.object_in_gripper is nested (entry {i} is a list); GraspGen needs a flat "
                "list of N booleans and raises IndexError on [[true], ...]"
            )
        if type(v) is not bool:
            raise InputError(
                f"{where}: grasps.object_in_gripper[{i}] is {v!r}, not true/false; GraspGen reads 0/1 "
                "integers as indices (positives become grasps #0 and #1 repeated)"
            )
    return np.array(value, dtype=bool)


def parse_transforms(value: Any, where: str) -> np.ndarray:
    """(n, 4, 4) float64 of a ``transforms`` value (shape and finiteness only; rigidity is the validator's)."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{where}: grasps.transforms is not an N x 4 x 4 array of numbers") from None
    if arr.size == 0:
        return np.zeros((0, 4, 4))
    if arr.ndim != 3 or arr.shape[1:] != (4, 4):
        raise InputError(f"{where}: grasps.transforms has shape {list(arr.shape)}, expected [N, 4, 4]")
    if not np.isfinite(arr).all():
        raise InputError(f"{where}: grasps.transforms holds NaN or infinite values")
    return arr


def read_grasp_file(path: str | Path) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    """(document, transforms (n, 4, 4) float64, success (n,) bool) of a grasp file, strictly checked."""
    path = Path(path)
    doc = load_json(path)
    where = str(path)
    if not isinstance(doc, dict):
        raise InputError(f"{where}: expected a JSON object with 'object' and 'grasps'")
    obj, grasps = doc.get("object"), doc.get("grasps")
    if not isinstance(obj, dict) or not isinstance(grasps, dict):
        raise InputError(f"{where}: missing 'object' or 'grasps' mapping (keys: {sorted(doc)})")
    if not isinstance(obj.get("file"), str) or not obj["file"]:
        raise InputError(f"{where}: object.file must be a non-empty string, got {obj.get('file')!r}")
    scale = obj.get("scale")
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not np.isfinite(scale) or scale <= 0:
        raise InputError(f"{where}: object.scale must be a number > 0, got {scale!r}")
    for key in ("transforms", "object_in_gripper"):
        if key not in grasps:
            raise InputError(f"{where}: grasps.{key} is missing")
    transforms = parse_transforms(grasps["transforms"], where)
    mask = parse_mask(grasps["object_in_gripper"], where)
    if len(mask) != len(transforms):
        raise InputError(f"{where}: {len(transforms)} transforms but {len(mask)} object_in_gripper entries")
    return doc, transforms, mask
