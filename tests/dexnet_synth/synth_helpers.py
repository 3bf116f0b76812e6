"""Helpers for the dexnet_synth tests (a module, not conftest: conftest modules are not importable): a box on the table, an overhead camera, a tiny object set."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import trimesh
from object_shards import write_shard

from dexgen.dexnet.synth.camera import Intrinsics, look_at
from dexgen.records.objects import INDEX

INTR = Intrinsics(fx=525.0, fy=525.0, cx=319.5, cy=239.5, width=640, height=480)


def resting_box(extents=(0.1, 0.08, 0.05), yaw: float = 0.0) -> trimesh.Trimesh:
    """A box resting on the table (bottom at z = 0), centred on the z axis, turned by ``yaw`` radians."""
    box = trimesh.creation.box(extents=extents)
    box.apply_transform(trimesh.transformations.rotation_matrix(yaw, [0, 0, 1]))
    box.apply_translation([0, 0, extents[2] / 2])
    return box


def overhead_camera(height: float) -> np.ndarray:
    """T_table_cam looking straight down from (0, 0, height), image +x along table +x."""
    return look_at(np.array([0.0, 0.0, height]), np.zeros(3), up=np.array([0.0, -1.0, 0.0]))


def write_object_set(folder: Path, meshes: dict[str, trimesh.Trimesh]) -> Path:
    """A one-shard object set (``index.json`` at the root and in ``shard-00``) as the objects stage writes."""
    shard = write_shard(folder / "shard-00", meshes)
    (folder / INDEX).write_bytes((shard / INDEX).read_bytes())
    return folder
