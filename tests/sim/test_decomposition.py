"""Convex parts: exact for convex meshes, coacd for concave ones, cached by mesh hash, hull fallback reported."""

from __future__ import annotations

import numpy as np
import trimesh

from dexgen.params.sim import DecompositionConfig
from dexgen.sim import decomposition
from dexgen.sim.decomposition import cache_path, cached_decomposition, decompose


def _l_shape() -> trimesh.Trimesh:
    a = trimesh.creation.box(
        (0.06, 0.02, 0.02), transform=trimesh.transformations.translation_matrix((0.02, 0, 0))
    )
    b = trimesh.creation.box(
        (0.02, 0.02, 0.06), transform=trimesh.transformations.translation_matrix((0, 0, 0.02))
    )
    return trimesh.boolean.union([a, b])


def test_convex_mesh_gets_its_hull_without_coacd(monkeypatch):
    import coacd

    monkeypatch.setattr(coacd, "run_coacd", None)  # calling it would raise
    dec = decompose(trimesh.creation.icosphere(radius=0.03), DecompositionConfig())
    assert dec.method == "convex" and len(dec.parts) == 1


def test_concave_mesh_splits_into_parts_that_cover_it(tmp_path):
    mesh = _l_shape()
    dec = decompose(mesh, DecompositionConfig(), seed=1)
    assert dec.method == "coacd" and len(dec.parts) >= 2
    volume = sum(trimesh.Trimesh(v, f).volume for v, f in dec.parts)
    assert volume < 0.8 * mesh.convex_hull.volume  # the notch of the L is left out, unlike the hull
    assert abs(volume - mesh.volume) < 0.3 * mesh.volume


def test_cache_is_keyed_on_mesh_hash_and_settings(tmp_path, monkeypatch):
    mesh = _l_shape()
    cfg = DecompositionConfig()
    first = cached_decomposition(mesh, "ab" * 32, cfg, cache_dir=tmp_path)
    assert cache_path(tmp_path, "ab" * 32, cfg).exists()
    calls = []
    monkeypatch.setattr(decomposition, "decompose", lambda *a, **k: calls.append(1))
    again = cached_decomposition(mesh, "ab" * 32, cfg, cache_dir=tmp_path)
    assert not calls and again.method == first.method
    for (v1, f1), (v2, f2) in zip(first.parts, again.parts):
        np.testing.assert_array_equal(v1, v2)
        np.testing.assert_array_equal(f1, f2)
    assert cache_path(tmp_path, "ab" * 32, DecompositionConfig(threshold=0.05)) != cache_path(
        tmp_path, "ab" * 32, cfg
    )
    assert cache_path(tmp_path, "cd" * 32, cfg) != cache_path(tmp_path, "ab" * 32, cfg)


def test_corrupt_cache_entry_is_redone(tmp_path):
    mesh = trimesh.creation.box((0.02, 0.03, 0.04))
    path = cache_path(tmp_path, "ef" * 32, DecompositionConfig())
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a zip")
    assert cached_decomposition(mesh, "ef" * 32, DecompositionConfig(), cache_dir=tmp_path).method == "convex"


def test_coacd_failure_falls_back_to_the_hull_and_says_so(monkeypatch):
    import coacd

    def boom(*args, **kwargs):
        raise RuntimeError("degenerate mesh")

    monkeypatch.setattr(coacd, "run_coacd", boom)
    dec = decompose(_l_shape(), DecompositionConfig())
    assert dec.method == "hull_fallback" and "degenerate mesh" in dec.note and len(dec.parts) == 1


def test_encoding_is_byte_stable():
    dec = decompose(trimesh.creation.box((0.02, 0.03, 0.04)), DecompositionConfig())
    assert decomposition.encode(dec) == decomposition.encode(decomposition.decode(decomposition.encode(dec)))
