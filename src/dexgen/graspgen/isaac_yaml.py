"""``yaml-to-json``: GraspDataGen / GraspGen Isaac-grasp YAML -> one GraspGen grasp JSON.

Isaac-grasp YAML (``format: isaac_grasp``) stores each grasp as ``position: [x, y, z]`` and
``orientation: {w: qw, xyz: [qx, qy, qz]}`` -- scalar first, explicitly named -- with ``confidence``
(success iff > 0). GraspDataGen's converter hard-codes ``robotiq_2f_85`` and reads the gripper offset
quaternion as wxyz although GraspGen stores it xyzw (graspdatagen.md §8, §10.5). Here the gripper is
the one the file names (``gripper_name`` or the stem of ``gripper_file``), its fields come from a
GraspGen gripper YAML (``--gripper_config``) or from dexgen's gripper of that name, and the offset
is read and written as ``[[x, y, z], [qx, qy, qz, qw]]``.
"""

from __future__ import annotations

import logging
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import yaml

from dexgen.errors import InputError
from dexgen.graspgen.grasp_file import grasp_document, write_grasp_file
from dexgen.graspgen.gripper_config import IDENTITY_OFFSET, gripper_fields

log = logging.getLogger(__name__)


def quat_wxyz_to_matrix(w: float, x: float, y: float, z: float) -> np.ndarray:
    """(3, 3) rotation of the unit quaternion w + xi + yj + zk (normalised here)."""
    q = np.array([w, x, y, z], dtype=np.float64)
    norm = np.linalg.norm(q)
    if not norm > 0:
        raise ValueError("zero quaternion")
    w, x, y, z = q / norm
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def offset_matrix(offset: Any) -> np.ndarray:
    """(4, 4) of a GraspGen ``[[x, y, z], [qx, qy, qz, qw]]`` offset (xyzw, scalar LAST)."""
    (t, (qx, qy, qz, qw)) = offset
    m = np.eye(4)
    m[:3, :3] = quat_wxyz_to_matrix(qw, qx, qy, qz)
    m[:3, 3] = t
    return m


def _gripper_name(data: dict[str, Any], where: str) -> str:
    name = data.get("gripper_name") or data.get("gripper")
    if isinstance(name, str) and name:
        return name
    file = data.get("gripper_file")
    if isinstance(file, str) and file:
        return PurePosixPath(file.replace("\\", "/")).stem
    raise InputError(
        f"{where}: names no gripper (no 'gripper_name' or 'gripper_file'); cannot fill the gripper block"
    )


def _gripper_block(name: str, gripper_config: str | Path | None, where: str) -> dict[str, Any]:
    if gripper_config is not None:
        path = Path(gripper_config)
        try:
            cfg = yaml.safe_load(path.read_text())
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise InputError(f"{path}: cannot read gripper config ({exc})") from None
        if not isinstance(cfg, dict):
            raise InputError(f"{path}: expected a GraspGen gripper YAML mapping")
        if cfg.get("name", name) != name:
            raise InputError(f"{path}: gripper config is for {cfg.get('name')!r} but {where} names {name!r}")
        offset = cfg.get("transform_offset_from_asset_to_graspgen_convention", IDENTITY_OFFSET)
        try:
            offset_matrix(offset)  # [[x,y,z],[qx,qy,qz,qw]], xyzw
        except (TypeError, ValueError):
            raise InputError(
                f"{path}: transform offset must be [[x,y,z],[qx,qy,qz,qw]], got {offset!r}"
            ) from None
        block = {k: cfg[k] for k in ("width", "depth", "file_name") if k in cfg}
        return {"name": name, **block, "transform_offset_from_asset_to_graspgen_convention": offset}
    from dexgen.grippers.description import real_names
    from dexgen.grippers.hand import load_hand
    from dexgen.grippers.loader import gripper_names, load_gripper

    if name in gripper_names():
        return gripper_fields(load_gripper(name))
    if name in real_names():  # a shipped real hand: width and depth from its bite points
        return gripper_fields(load_hand(name))
    log.warning(
        "%s: gripper %r is not a dexgen gripper and no --gripper_config was given; the gripper block holds only its name",
        where,
        name,
    )
    return {"name": name}


def isaac_to_document(
    data: Any, *, where: str, gripper_config: str | Path | None = None, max_grasps: int | None = None
) -> dict[str, Any]:
    """The GraspGen JSON value of a parsed Isaac-grasp YAML (``where`` names it in errors)."""
    if not isinstance(data, dict) or not isinstance(data.get("grasps"), dict):
        raise InputError(f"{where}: not an isaac_grasp file (no 'grasps' mapping)")
    if data.get("format", "isaac_grasp") != "isaac_grasp":
        raise InputError(f"{where}: format {data.get('format')!r}, expected 'isaac_grasp'")
    obj = data.get("object_file")
    if not isinstance(obj, str) or not obj:
        raise InputError(f"{where}: 'object_file' is missing")
    scale = data.get("object_scale", 1.0)
    transforms, success = [], []
    for gname, g in list(data["grasps"].items())[: max_grasps or None]:
        try:
            pos = np.asarray(g["position"], dtype=np.float64).reshape(3)
            ori = g["orientation"]
            rot = quat_wxyz_to_matrix(ori["w"], *np.asarray(ori["xyz"], dtype=np.float64).reshape(3))
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(
                f"{where}: grasps.{gname} needs position [x,y,z] and orientation {{w, xyz}} ({exc})"
            ) from None
        t = np.eye(4)
        t[:3, :3], t[:3, 3] = rot, pos
        transforms.append(t)
        success.append(float(g.get("confidence", 1.0)) > 0)
    name = _gripper_name(data, where)
    return grasp_document(
        object_file=obj,
        scale=float(scale),
        transforms=np.array(transforms).reshape(-1, 4, 4),
        success=np.array(success, dtype=bool),
        gripper=_gripper_block(name, gripper_config, where),
    )


def convert_yaml_to_json(
    yaml_path: str | Path,
    json_path: str | Path | None = None,
    *,
    max_grasps: int | None = None,
    gripper_config: str | Path | None = None,
) -> Path:
    """Convert one file; the JSON goes next to the YAML (``.json``) unless ``json_path`` is given."""
    yaml_path = Path(yaml_path)
    try:
        data = yaml.safe_load(yaml_path.read_text())
    except FileNotFoundError:
        raise InputError(f"{yaml_path}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{yaml_path}: is a folder, expected a YAML file") from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{yaml_path}: not UTF-8 text, so not YAML ({exc.reason} at byte {exc.start})"
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(f"{yaml_path}: not valid YAML ({exc})") from None
    doc = isaac_to_document(data, where=str(yaml_path), gripper_config=gripper_config, max_grasps=max_grasps)
    out = Path(json_path) if json_path is not None else yaml_path.with_suffix(".json")
    write_grasp_file(out, doc)
    return out
