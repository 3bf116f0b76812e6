"""Shared helpers for guess tests: analytic meshes and a shard folder in the objects-stage layout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import trimesh

from dexgen.hashing import sha256_file
from dexgen.objects.records import ObjectRecord


def analytic(kind: str) -> trimesh.Trimesh:
    """Box, cylinder and sphere that fit the Robotiq 2F-85 stroke (85 mm), plus one too wide for it."""
    if kind == "box":
        return trimesh.creation.box(extents=(0.04, 0.05, 0.06))
    if kind == "cylinder":
        return trimesh.creation.cylinder(radius=0.025, height=0.08, sections=48)
    if kind == "sphere":
        return trimesh.creation.icosphere(subdivisions=3, radius=0.03)
    if kind == "too_wide":
        return trimesh.creation.box(extents=(0.12, 0.12, 0.12))
    raise ValueError(kind)


def write_shard(folder: Path, meshes: dict[str, trimesh.Trimesh]) -> Path:
    """A shard folder as the objects stage writes it: <key>.ply + index.json."""
    folder.mkdir(parents=True, exist_ok=True)
    records = []
    for key, mesh in meshes.items():
        path = folder / f"{key}.ply"
        mesh.export(path, file_type="ply")
        records.append(
            ObjectRecord(
                key=key,
                shard="00",
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
    (folder / "index.json").write_text(json.dumps({"format_version": 1, "objects": records}))
    return folder


@pytest.fixture
def shard(tmp_path) -> Path:
    return write_shard(
        tmp_path / "objects" / "shard-00", {k: analytic(k) for k in ("box", "cylinder", "too_wide")}
    )
