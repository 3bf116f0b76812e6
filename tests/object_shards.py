"""Test helper: an object-set shard folder exactly as the ``objects`` stage writes it."""

from __future__ import annotations

import json
from pathlib import Path

import trimesh

from dexgen.hashing import sha256_file
from dexgen.records.objects import FORMAT_VERSION, INDEX, ObjectRecord


def write_shard(folder: Path, meshes: dict[str, trimesh.Trimesh], *, shard: str = "00") -> Path:
    """``<key>.ply`` per mesh (metres, used as given) plus ``index.json`` in ``folder``; returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    records = []
    for key, mesh in meshes.items():
        path = folder / f"{key}.ply"
        path.write_bytes(mesh.export(file_type="ply"))
        records.append(
            ObjectRecord(
                key=key,
                shard=shard,
                mesh=path.name,
                scale=1.0,
                source="builtin",
                source_sha256="0" * 64,
                mesh_sha256=sha256_file(path),
                watertight=bool(mesh.is_watertight),
                volume=float(mesh.volume),
                extents=tuple(float(e) for e in mesh.extents),
                faces=len(mesh.faces),
                repairs={},
            ).to_json()
        )
    (folder / INDEX).write_text(json.dumps({"format_version": FORMAT_VERSION, "objects": records}))
    return folder
