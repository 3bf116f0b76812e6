"""Shared helpers for guess tests: analytic meshes and a shard folder in the objects-stage layout."""

from __future__ import annotations

from pathlib import Path

import pytest
import trimesh
from object_shards import write_shard


def bowl(radius: float = 0.045, wall: float = 0.006, rim_z: float = -0.012) -> trimesh.Trimesh:
    """A 9 cm spherical-shell bowl (outer ``radius``), open above ``rim_z``: its wall fits the stroke,
    its width does not."""
    outer = trimesh.creation.icosphere(subdivisions=4, radius=radius)
    inner = trimesh.creation.icosphere(subdivisions=4, radius=radius - wall)
    cut = trimesh.creation.box(extents=[3 * radius, 3 * radius, 2 * radius])
    cut.apply_translation([0.0, 0.0, rim_z + radius])
    return trimesh.boolean.difference([outer, inner, cut], engine="manifold")


def analytic(kind: str) -> trimesh.Trimesh:
    """Shapes whose grasps are known by hand, sized for the Robotiq 2F-85 (85 mm stroke), plus one too
    wide for it: box, cylinder, sphere, a cone (16.7 deg half-angle), a torus whose tube fits but whose
    width does not, and a bowl."""
    if kind == "cone":
        return trimesh.creation.cone(radius=0.015, height=0.05, sections=40)
    if kind == "torus":
        return trimesh.creation.torus(
            major_radius=0.045, minor_radius=0.005, major_sections=48, minor_sections=16
        )
    if kind == "bowl":
        return bowl()
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
