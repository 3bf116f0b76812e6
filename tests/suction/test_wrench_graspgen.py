"""GraspGen's wrench test without a QP solver: the closed form (one cup) and bounded least squares (an
array) against the full QP solved by SLSQP with every one of GraspGen's limits."""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from dexgen.grippers.loader import load_gripper
from dexgen.suction import wrench_graspgen as W
from dexgen.suction.cup import CupArray


def _grasps(n: int, seed: int, spread: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    T = np.tile(np.eye(4), (n, 1, 1))
    T[:, :3, :3] = Rotation.random(n, random_state=seed).as_matrix()
    T[:, :3, 3] = rng.normal(0.0, spread, (n, 3))
    return T


def _directions(k: int, seed: int) -> np.ndarray:
    d = np.random.default_rng(seed).normal(size=(k, 3))
    return d / np.linalg.norm(d, axis=1, keepdims=True)


def _reference(cup: CupArray, T: np.ndarray, d: np.ndarray) -> np.ndarray:
    A = W.grasp_maps(cup, T)
    G, h = W.limits(cup, cup.num_cups)
    x0 = np.zeros(6 * cup.num_cups)
    return np.array(
        [[W._full_qp(A[i], np.r_[dd, 0, 0, 0], G, h, x0) <= W.RES_TOL for dd in d] for i in range(len(T))]
    )


def test_single_cup_matches_the_full_qp():
    cup = CupArray.from_gripper(load_gripper("single_suction_cup_30mm"))
    T, d = _grasps(150, 1, 0.02), _directions(4, 2)
    ok, fallbacks = W.resisted(cup, T, d)
    assert 0 < ok.mean() < 1 and fallbacks == 0
    np.testing.assert_array_equal(ok, _reference(cup, T, d))


def test_cup_array_matches_the_full_qp(two_cups_yaml):
    cup = CupArray.from_gripper(load_gripper(two_cups_yaml))
    T, d = _grasps(25, 4, 0.05), _directions(3, 5)
    ok, _ = W.resisted(cup, T, d)
    np.testing.assert_array_equal(ok, _reference(cup, T, d))


def test_far_lever_arms_fail_and_the_centre_of_mass_holds():
    cup = CupArray.from_gripper(load_gripper("single_suction_cup_30mm"))
    T = np.tile(np.eye(4), (2, 1, 1))
    T[1, :3, 3] = [0.3, 0.0, 0.0]  # 30 cm from the centre of mass
    ok, _ = W.resisted(cup, T, np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]))
    assert ok[0].all()
    assert not ok[1, 0]  # a pull along the cup axis bends it (tau_y) past pi r kappa
    assert ok[1, 1]  # a sideways push twists it about its axis (tau_z), which friction holds
