"""The worker's pure helpers (no Isaac Lab needed: the module imports it lazily)."""

from __future__ import annotations

import numpy as np

from dexgen.sim.isaaclab.worker import changes


def test_changes_marks_the_first_step_and_every_step_any_env_moves():
    series = np.zeros((3, 6, 2))  # (envs, steps, components)
    series[1, 2:, 0] = 1.0  # env 1 moves at step 2 and stays
    series[2, 4, 1] = 0.5  # env 2 blips at step 4 and returns at step 5
    assert changes(series).tolist() == [True, False, True, False, True, True]


def test_changes_of_a_scalar_series():
    assert changes(np.array([[0.0, 0.0, 1.0, 1.0]])).tolist() == [True, False, True, False]
    assert changes(np.ones((4, 1))).tolist() == [True]
