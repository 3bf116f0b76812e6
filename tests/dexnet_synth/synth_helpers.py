"""Helpers for the dexnet_synth tests (a module, not conftest: conftest modules are not importable): a box on the table, an overhead camera, a tiny object set."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import trimesh

from dexgen.dexnet.synth.camera import Intrinsics, look_at
from dexgen.hashing import sha256_file
from dexgen.objects.records import FORMAT_VERSION, INDEX, ObjectRecord

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
    shard = folder / "shard-00"
    shard.mkdir(parents=True)
    records = []
    for key, mesh in meshes.items():
        path = shard / f"{key}.ply"
        path.write_bytes(mesh.export(file_type="ply"))
        records.append(
            ObjectRecord(
                key=key,
                shard="00",
                mesh=path.name,
                scale=1.0,
                source="builtin",
                source_sha256="0" * 64,
                mesh_sha256=sha256_file(path),
                watertight=True,
                volume=float(mesh.volume),
                extents=tuple(float(e) for e in mesh.extents),
                faces=len(mesh.faces),
                repairs={},
            ).to_json()
        )
    index = json.dumps({"format_version": FORMAT_VERSION, "objects": records})
    (shard / INDEX).write_text(index)
    (folder / INDEX).write_text(index)
    return folder
