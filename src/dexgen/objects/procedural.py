"""The embedded default object set: seeded procedural meshes at graspable sizes.

Object ``i`` has kind ``kinds[i % len(kinds)]`` and key ``<kind>_<i:03d>``; its dimensions are
drawn from ``rng_for(seed, "objects", key)``. So raising the count only adds objects, and every
object is the same on every machine. Concave shapes (mug, bowl, L, T) are built with manifold3d
booleans, which return watertight meshes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import trimesh

from dexgen.seeding import rng_for

Builder = Callable[[np.random.Generator, float], trimesh.Trimesh]


def _box(rng: np.random.Generator, size: float) -> trimesh.Trimesh:
    return trimesh.creation.box(extents=size * rng.uniform([0.35, 0.35, 1.0], [1.0, 1.0, 1.0]))


def _cylinder(rng: np.random.Generator, size: float) -> trimesh.Trimesh:
    height = size * rng.uniform(0.5, 1.0)
    radius = 0.5 * size * rng.uniform(0.25, 0.6)
    return trimesh.creation.cylinder(radius=radius, height=height, sections=40)


def _sphere(rng: np.random.Generator, size: float) -> trimesh.Trimesh:
    return trimesh.creation.icosphere(subdivisions=3, radius=0.5 * size * rng.uniform(0.35, 0.6))


def _capsule(rng: np.random.Generator, size: float) -> trimesh.Trimesh:
    radius = 0.5 * size * rng.uniform(0.2, 0.4)
    return trimesh.creation.capsule(height=max(size - 2 * radius, 0.2 * size), radius=radius, count=[24, 24])


def _cone(rng: np.random.Generator, size: float) -> trimesh.Trimesh:
    return trimesh.creation.cone(radius=0.5 * size * rng.uniform(0.3, 0.6), height=size, sections=40)


def _torus(rng: np.random.Generator, size: float) -> trimesh.Trimesh:
    minor = 0.5 * size * rng.uniform(0.12, 0.25)
    return trimesh.creation.torus(
        major_radius=0.5 * size - minor, minor_radius=minor, major_sections=40, minor_sections=16
    )


def _convex_hull(rng: np.random.Generator, size: float) -> trimesh.Trimesh:
    points = rng.normal(size=(rng.integers(12, 40), 3)) * rng.uniform(0.5, 1.0, size=3)
    hull = trimesh.Trimesh(points).convex_hull
    return hull.apply_scale(size / hull.extents.max())


def _superquadric(rng: np.random.Generator, size: float) -> trimesh.Trimesh:
    """Superellipsoid |x/a|^(2/e2) + |y/b|^(2/e2))^(e2/e1) + |z/c|^(2/e1) = 1 on an icosphere."""
    e1, e2 = rng.uniform(0.3, 1.6, size=2)
    semi = 0.5 * size * rng.uniform([0.35, 0.35, 0.8], [0.8, 0.8, 1.0])
    sphere = trimesh.creation.icosphere(subdivisions=4)
    n = sphere.vertices
    eta = np.arcsin(np.clip(n[:, 2], -1.0, 1.0))
    omega = np.arctan2(n[:, 1], n[:, 0])

    def spow(x: np.ndarray, p: float) -> np.ndarray:
        return np.sign(x) * np.abs(x) ** p

    vertices = np.column_stack(
        [
            semi[0] * spow(np.cos(eta), e1) * spow(np.cos(omega), e2),
            semi[1] * spow(np.cos(eta), e1) * spow(np.sin(omega), e2),
            semi[2] * spow(np.sin(eta), e1),
        ]
    )
    return trimesh.Trimesh(vertices, sphere.faces.copy())


def _mug(rng: np.random.Generator, size: float) -> trimesh.Trimesh:
    height = size * rng.uniform(0.75, 1.0)
    radius = 0.5 * size * rng.uniform(0.5, 0.7)
    wall = max(0.004, radius * rng.uniform(0.1, 0.18))
    body = trimesh.creation.cylinder(radius=radius, height=height, sections=48)
    cavity = trimesh.creation.cylinder(radius=radius - wall, height=height, sections=48)
    cavity.apply_translation([0.0, 0.0, wall])
    handle_minor = wall * 0.9
    handle = trimesh.creation.torus(
        major_radius=0.3 * height, minor_radius=handle_minor, major_sections=32, minor_sections=12
    )
    handle.apply_transform(trimesh.transformations.rotation_matrix(np.pi / 2, [1.0, 0.0, 0.0]))
    handle.apply_translation([radius + 0.3 * height - 2.0 * handle_minor, 0.0, 0.0])
    shell = trimesh.boolean.difference([body, cavity], engine="manifold")
    return trimesh.boolean.union([shell, handle], engine="manifold")


def _bowl(rng: np.random.Generator, size: float) -> trimesh.Trimesh:
    radius = 0.5 * size
    wall = max(0.004, radius * rng.uniform(0.08, 0.15))
    outer = trimesh.creation.icosphere(subdivisions=4, radius=radius)
    inner = trimesh.creation.icosphere(subdivisions=4, radius=radius - wall)
    cut = trimesh.creation.box(extents=[3 * radius, 3 * radius, 2 * radius])
    cut.apply_translation([0.0, 0.0, radius * (1.0 - rng.uniform(0.1, 0.4))])
    bowl = trimesh.boolean.difference([outer, inner, cut], engine="manifold")
    return bowl


def _l_shape(rng: np.random.Generator, size: float) -> trimesh.Trimesh:
    t = size * rng.uniform(0.15, 0.3)
    depth = size * rng.uniform(0.2, 0.5)
    a = trimesh.creation.box(extents=[size, t, depth])
    b = trimesh.creation.box(extents=[t, size * rng.uniform(0.5, 1.0), depth])
    a.apply_translation([size / 2, t / 2, 0.0])
    b.apply_translation([t / 2, b.extents[1] / 2, 0.0])
    return trimesh.boolean.union([a, b], engine="manifold")


def _t_shape(rng: np.random.Generator, size: float) -> trimesh.Trimesh:
    t = size * rng.uniform(0.15, 0.3)
    depth = size * rng.uniform(0.2, 0.5)
    bar = trimesh.creation.box(extents=[size, t, depth])
    stem_len = size * rng.uniform(0.5, 1.0)
    stem = trimesh.creation.box(extents=[t, stem_len, depth])
    stem.apply_translation([0.0, -(t + stem_len) / 2 + 1e-4, 0.0])
    return trimesh.boolean.union([bar, stem], engine="manifold")


KINDS: dict[str, Builder] = {
    "box": _box,
    "cylinder": _cylinder,
    "sphere": _sphere,
    "capsule": _capsule,
    "cone": _cone,
    "torus": _torus,
    "convex_hull": _convex_hull,
    "superquadric": _superquadric,
    "mug": _mug,
    "bowl": _bowl,
    "l_shape": _l_shape,
    "t_shape": _t_shape,
}


def procedural_key(kind: str, index: int) -> str:
    return f"{kind}_{index:03d}"


def procedural_keys(count: int, kinds: tuple[str, ...]) -> list[tuple[str, str]]:
    """``(key, kind)`` for each of ``count`` objects, kinds taken in turn."""
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise ValueError(f"unknown procedural kind(s) {unknown}; known kinds are {sorted(KINDS)}")
    return [(procedural_key(kinds[i % len(kinds)], i), kinds[i % len(kinds)]) for i in range(count)]


def make_object(kind: str, key: str, *, seed: int, size_range: tuple[float, float]) -> trimesh.Trimesh:
    """The mesh of procedural object ``key``, metres, largest extent within ``size_range``."""
    rng = rng_for(seed, "objects", key)
    size = float(rng.uniform(*size_range))
    mesh = KINDS[kind](rng, size)
    # Normalise: the largest extent is exactly ``size`` and the bounding box centre is the origin,
    # so sizes are what the params promise whatever the builder's internal proportions.
    mesh.apply_translation(-mesh.bounds.mean(axis=0))
    mesh.apply_scale(size / mesh.extents.max())
    return mesh
