"""The compared trials: counts by kind, near misses that are collision-free and as far as asked, determinism."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import trimesh

from dexgen.grippers.loader import load_gripper
from dexgen.guess.collision import GripperCollider
from dexgen.guess.guesses import guess_object
from dexgen.params.compare import KINDS, SimCompareConfig, TrialMix
from dexgen.params.guess import GuessConfig
from dexgen.records.guesses import ARRAYS, LABELS, NONE
from dexgen.sim.compare.trial_set import perturb, trial_set


@pytest.fixture(scope="module")
def case():
    mesh = trimesh.creation.box((0.05, 0.04, 0.08))
    gripper = load_gripper("robotiq_2f_85")
    cfg = GuessConfig(
        num_collision_free_grasps=16, num_colliding_grasps=2, num_random_poses=8, max_pictures=0
    )
    result = guess_object(mesh, gripper, cfg, np.random.default_rng(0))
    return mesh, gripper, {name: getattr(result, name) for name in ARRAYS}, list(LABELS)


def test_mix_counts_sum_to_the_total():
    for total in (1, 7, 24, 101):
        counts = TrialMix().counts(total)
        assert sum(counts.values()) == total and set(counts) == set(KINDS)
    with pytest.raises(ValueError, match="sum to 1"):
        TrialMix(collision_free=0.5, random=0.5, near_miss=0.5)


def test_kinds_sources_and_near_misses(case):
    mesh, gripper, guesses, labels = case
    cfg = SimCompareConfig(trials_per_object=20)
    s = trial_set(mesh, gripper, guesses, labels, cfg, np.random.default_rng(1), clearance=0.002)
    counts = {k: int((s.kinds == i).sum()) for i, k in enumerate(KINDS)}
    assert counts == {"collision_free": 6, "random": 4, "near_miss": 10}
    cf, near = s.kinds == 0, s.kinds == 2
    np.testing.assert_array_equal(s.poses[cf], guesses["poses"][s.source[cf]])
    assert all(labels[guesses["labels"][i]] == "collision_free" for i in s.source[near])
    assert (s.openings[near] == gripper.max_opening).all()
    collider = GripperCollider(mesh, gripper, clearance=0.002, opening_steps=2)
    assert (collider.check_open(s.poses[near]) == NONE).all()
    # each near miss is its source moved <= shift at the TCP and turned <= tilt
    src = guesses["poses"][s.source[near]]
    tcp = lambda p: p[:, :3, 3] + gripper.tcp_depth * p[:, :3, 2]  # noqa: E731
    assert (np.linalg.norm(tcp(s.poses[near]) - tcp(src), axis=1) <= cfg.near_miss_shift + 1e-9).all()
    cos = (np.einsum("nji,nji->n", src[:, :3, :3], s.poses[near][:, :3, :3]) - 1) / 2
    assert (np.degrees(np.arccos(np.clip(cos, -1, 1))) <= cfg.near_miss_tilt + 1e-6).all()
    assert not np.allclose(s.poses[near], src)
    again = trial_set(mesh, gripper, guesses, labels, cfg, np.random.default_rng(1), clearance=0.002)
    assert all(np.array_equal(getattr(s, f.name), getattr(again, f.name)) for f in dataclasses.fields(s))


def test_perturb_with_nothing_to_move_is_the_identity(case):
    _, gripper, guesses, _ = case
    poses = guesses["poses"][:5]
    np.testing.assert_allclose(
        perturb(poses, gripper.tcp_depth, np.random.default_rng(0), shift=0, tilt=0), poses
    )


def test_a_real_hands_near_misses_start_wide_open_and_clear_its_bodies():
    from dexgen.grippers.hand import load_hand
    from dexgen.guess.model_collision import ModelCollider

    mesh = trimesh.creation.box((0.05, 0.04, 0.08))
    hand = load_hand("robotiq_2f_85_real")
    cfg = GuessConfig(num_collision_free_grasps=8, num_colliding_grasps=2, num_random_poses=4, max_pictures=0)
    result = guess_object(mesh, hand, cfg, np.random.default_rng(0))
    guesses = {name: getattr(result, name) for name in ARRAYS}
    s = trial_set(
        mesh, hand, guesses, list(LABELS), SimCompareConfig(trials_per_object=12), np.random.default_rng(1),
        clearance=0.002,
    )  # fmt: skip
    near = s.kinds == KINDS.index("near_miss")
    assert near.sum() > 0 and (s.openings[near] == hand.stroke).all()
    collider = ModelCollider(mesh, hand, clearance=0.002, opening_steps=2)
    assert (collider.check_open(s.poses[near]) == NONE).all()
