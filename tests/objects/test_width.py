"""The narrowest width decides whether an object can be grasped at all, so check it on exact shapes."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from dexgen.objects.width import min_width


@pytest.mark.parametrize(
    ("mesh", "width"),
    [
        (trimesh.creation.box(extents=(0.04, 0.05, 0.06)), 0.04),
        # a 48-gon: facet to facet
        (trimesh.creation.cylinder(radius=0.025, height=0.08, sections=48), 0.05 * np.cos(np.pi / 48)),
        (trimesh.creation.box(extents=(0.12, 0.12, 0.12)), 0.12),
    ],
    ids=["box", "cylinder", "cube"],
)
def test_min_width(mesh, width):
    assert min_width(mesh) == pytest.approx(width, rel=1e-9)


def test_min_width_ignores_pose_and_concavity():
    """A rotated, translated torus is as wide as its outer diameter across its thinnest direction."""
    torus = trimesh.creation.torus(
        major_radius=0.045, minor_radius=0.005, major_sections=64, minor_sections=16
    )
    width = min_width(torus)
    assert width == pytest.approx(0.010, rel=1e-6)  # through the ring's plane: the tube diameter
    torus.apply_transform(trimesh.transformations.random_rotation_matrix(np.random.default_rng(0).random(3)))
    torus.apply_translation([0.3, -0.2, 0.1])
    assert min_width(torus) == pytest.approx(width, rel=1e-9)
