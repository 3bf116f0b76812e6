"""GraspGen's gripper loading, step by step as ``grasp_gen/robot.py::get_gripper_info`` does it
(NVlabs/GraspGen a56d518), for a tree laid out as GraspGen's (``<root>/config/grippers``).

GraspGen itself is not installable here (it pulls pyrender, scene_synthesizer, torch_cluster...), so
this repeats its steps: registered iff ``<name>.yaml`` exists, the ``.py`` imported by file path under
its stem, ``GripperModel()`` built with no argument (from whatever working directory), the offset
``[[x,y,z],[qx,qy,qz,qw]]`` applied to the meshes, ``depth`` read unconditionally, and the module's
control points and TCP transform taken when defined.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import numpy as np
import trimesh.transformations as tra
import yaml


def _import(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, str(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def get_gripper_info(root: Path, name: str, *, cwd: Path) -> dict:
    """What GraspGen's ``GripperInfo`` would hold for ``name`` under ``root``; run from ``cwd``."""
    registered = [p.stem for p in (root / "config" / "grippers").glob("*.yaml")]
    if name not in registered:
        raise ValueError(f"Gripper {name} not registered yet. Available grippers are: {registered}")
    here = Path.cwd()
    os.chdir(cwd)
    try:
        module = _import(root / "config" / "grippers" / f"{name}.py")
        config = yaml.safe_load((root / "config" / "grippers" / f"{name}.yaml").read_text())
        model = module.GripperModel()
        collision, visual = model.get_gripper_collision_mesh(), model.get_gripper_visual_mesh()
    finally:
        os.chdir(here)
        sys.modules.pop(name, None)
    offset = np.eye(4)
    if "transform_offset_from_asset_to_graspgen_convention" in config:
        trans, quat = config["transform_offset_from_asset_to_graspgen_convention"]
        offset = tra.quaternion_matrix([quat[-1], *quat[:-1]])
        offset[:3, 3] = trans
    depth = config["depth"]
    tcp = (
        module.get_transform_from_base_link_to_tool_tcp()
        if hasattr(module, "get_transform_from_base_link_to_tool_tcp")
        else tra.translation_matrix([0, 0, abs(depth)])
    )
    collision.apply_transform(offset)
    visual.apply_transform(offset)
    return {
        "collision_mesh": collision,
        "visual_mesh": visual,
        "depth": depth,
        "symmetric": config.get("symmetric_antipodal", False),
        "control_points": module.load_control_points(),
        "control_points_visualization": module.load_control_points_for_visualization(),
        "transform_from_base_link_to_tool_tcp": tcp,
    }
