"""GraspGen's contact convention, seeded; label rules by name; k of n cups."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import trimesh

from dexgen.errors import ConfigError
from dexgen.graspgen.suction_export import draw
from dexgen.grippers.loader import load_gripper
from dexgen.params.graspgen import GraspgenConfig
from dexgen.params.suction import SuctionLabelConfig
from dexgen.suction.contacts import jitter_contacts, sample_contacts
from dexgen.suction.cup import CupArray, sunflower
from dexgen.suction.rules import LabelContext, cup_collisions, label, required_cups
from dexgen.suction.seal_graspgen import caster

G30 = load_gripper("single_suction_cup_30mm")


def test_contacts_are_lip_frames_one_standoff_off_the_surface_along_the_normal():
    mesh = trimesh.creation.box((0.05, 0.03, 0.08))
    cup = CupArray.from_gripper(G30)
    T, points, _ = sample_contacts(mesh, cup, 200, np.random.default_rng(0))
    R = T[:, :3, :3]
    np.testing.assert_allclose(R @ np.swapaxes(R, 1, 2), np.tile(np.eye(3), (200, 1, 1)), atol=1e-12)
    np.testing.assert_allclose(np.linalg.det(R), 1.0)
    _, dist, face = trimesh.proximity.closest_point(mesh, points)
    np.testing.assert_allclose(dist, 0.0, atol=1e-9)
    np.testing.assert_allclose(T[:, :3, 2], mesh.face_normals[face], atol=1e-9)  # +z out of the object
    np.testing.assert_allclose(T[:, :3, 3] - points, 0.001 * T[:, :3, 2], atol=1e-12)
    again, _, _ = sample_contacts(mesh, cup, 200, np.random.default_rng(0))
    np.testing.assert_array_equal(T, again)


def test_sunflower_fills_the_lip_disc():
    pts = sunflower(50, 0.015)
    r = np.linalg.norm(pts, axis=1)
    assert (r <= 0.015 + 1e-12).all() and np.isclose(r, 0.015).sum() == 14  # GraspGen's b = round(2 sqrt 50)


def _ctx(gripper, mesh, **cfg):
    cup = CupArray.from_gripper(gripper)
    c = SuctionLabelConfig(**cfg)
    return LabelContext(
        mesh, caster(mesh), cup, gripper, c, required_cups(cup, c, gripper.name), np.random.default_rng(0)
    )


def _on_top(mesh, xs):
    T = np.tile(np.eye(4), (len(xs), 1, 1))
    T[:, 0, 3], T[:, 2, 3] = xs, mesh.bounds[1][2] + 0.001
    return T


def test_k_of_n_cups(two_cups_yaml):
    g = load_gripper(two_cups_yaml)
    mesh = trimesh.creation.box((0.12, 0.06, 0.04))
    T = _on_top(mesh, [0.0, 0.035])  # centred: both cups on the face; shifted: the right cup overhangs
    every = label(_ctx(g, mesh), T)
    one = label(_ctx(g, mesh, cups_required=1), T)
    np.testing.assert_array_equal(every.cups, [[True, True], [True, False]])
    np.testing.assert_array_equal(every.success, [True, False])
    np.testing.assert_array_equal(one.success, [True, True])
    with pytest.raises(ConfigError, match="cups_required 3 exceeds the 2 cup"):
        _ctx(g, mesh, cups_required=3)


def test_graspgen_rule_labels_the_seal_and_dexnet_adds_wrench_and_collision():
    mesh = trimesh.creation.box((0.1, 0.1, 0.05))
    T = _on_top(mesh, [0.0, 0.046])
    gg = label(_ctx(G30, mesh), T)
    np.testing.assert_array_equal(gg.success, gg.sealed)
    np.testing.assert_array_equal(gg.success, [True, False])
    assert gg.score[0] > 0 and gg.score[1] == 0
    dx = label(_ctx(G30, mesh, rule="dexnet"), T)
    assert dx.success[0] and not dx.success[1] and not dx.collision.any()
    # a cup pressed into an inner corner: its body hits the wall beside it
    corner = trimesh.util.concatenate(
        [
            trimesh.creation.box((0.1, 0.1, 0.02)),
            trimesh.creation.box((0.02, 0.1, 0.1), transform=_shift(0.04, 0, 0.05)),
        ]
    )
    Tc = _on_top(trimesh.creation.box((0.1, 0.1, 0.02)), [0.02])
    assert cup_collisions(corner, G30, Tc)[0]
    assert not cup_collisions(mesh, G30, _on_top(mesh, [0.0]))[0]
    with pytest.raises(ValueError):
        dataclasses.replace(SuctionLabelConfig(), candidates=0)


def _shift(x, y, z):
    T = np.eye(4)
    T[:3, 3] = [x, y, z]
    return T


def test_jitter_contacts_stay_on_the_surface_near_their_centres():
    mesh = trimesh.creation.box((0.05, 0.03, 0.08))
    cup = CupArray.from_gripper(G30)
    centres = np.array([[0.0, 0.0, 0.04], [0.025, 0.0, 0.0]])
    T, points, _ = jitter_contacts(mesh, cup, centres, 100, 0.005, np.random.default_rng(1))
    _, dist, face = trimesh.proximity.closest_point(mesh, points)
    np.testing.assert_allclose(dist, 0.0, atol=1e-9)
    np.testing.assert_allclose(T[:, :3, 2], mesh.face_normals[face], atol=1e-9)
    assert np.min(np.linalg.norm(points[:, None] - centres[None], axis=2), axis=1).max() < 0.03


def test_small_sealable_patch_meets_the_quota_only_with_searches_around_positives():
    """A 31 mm square bar under a 30 mm cup: the lip fits only near each face's midline."""
    mesh = trimesh.creation.box((0.031, 0.031, 0.2))
    cfg = GraspgenConfig(
        num_collision_free_grasps=24, suction=SuctionLabelConfig(candidates=200, max_rounds=4)
    )
    drawn = draw(mesh, G30, cfg, seed=0, key="bar")
    uniform = draw(
        mesh,
        G30,
        dataclasses.replace(cfg, suction=dataclasses.replace(cfg.suction, near_share=0.0)),
        seed=0,
        key="bar",
    )
    assert 0 < uniform.field("success").sum() < 24 <= drawn.field("success").sum()
    again = draw(mesh, G30, cfg, seed=0, key="bar")
    np.testing.assert_array_equal(drawn.T, again.T)
