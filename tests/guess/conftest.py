"""Shared helpers for guess tests: analytic meshes and a shard folder in the objects-stage layout."""

from __future__ import annotations

from pathlib import Path

import pytest
import trimesh
from object_shards import write_shard


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


@pytest.fixture
def shard(tmp_path) -> Path:
    return write_shard(
        tmp_path / "objects" / "shard-00", {k: analytic(k) for k in ("box", "cylinder", "too_wide")}
    )
