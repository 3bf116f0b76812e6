"""Resting poses are computed once per mesh and shared by every task: a cached read equals a fresh
computation, and a damaged or foreign cache file is recomputed, never trusted."""

from __future__ import annotations

import numpy as np
import trimesh

from dexgen.dexnet.synth import poses
from dexgen.dexnet.synth.poses import cached_rests, hull_rests, stable_poses


def _mesh() -> trimesh.Trimesh:
    return trimesh.creation.box(extents=(0.04, 0.03, 0.02))


def test_cached_rests_equal_fresh_and_are_read_back(tmp_path, monkeypatch):
    mesh = _mesh()
    fresh = hull_rests(mesh)
    first = cached_rests(mesh, "abc", tmp_path)
    assert (tmp_path / "abc.npz").is_file()
    calls = []
    monkeypatch.setattr(poses, "hull_rests", lambda m: calls.append(m) or fresh)
    second = cached_rests(mesh, "abc", tmp_path)
    assert not calls  # read, not recomputed
    for a, b, c in zip(fresh, first, second, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)


def test_damaged_or_foreign_cache_is_recomputed(tmp_path):
    mesh = _mesh()
    (tmp_path / "abc.npz").write_bytes(b"not a zip")
    transforms, probs = cached_rests(mesh, "abc", tmp_path)
    np.testing.assert_array_equal(transforms, hull_rests(mesh)[0])
    # a file made for another mesh (its provenance names that mesh) is not used for this one
    (tmp_path / "other.npz").write_bytes((tmp_path / "abc.npz").read_bytes())
    box = trimesh.creation.box(extents=(0.05, 0.05, 0.01))
    np.testing.assert_array_equal(cached_rests(box, "other", tmp_path)[1], hull_rests(box)[1])


def test_stable_poses_rest_on_the_table():
    mesh = _mesh()
    out, probs = stable_poses(
        mesh, hull_rests(mesh), count=2, min_probability=0.0, rng=np.random.default_rng(0)
    )
    assert len(out) == 2 and probs[0] >= probs[1]
    for T in out:
        assert abs(trimesh.transform_points(mesh.vertices, T)[:, 2].min()) < 1e-12
