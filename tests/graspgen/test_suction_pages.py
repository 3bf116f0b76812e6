"""The viewer draws a suction grasp as GraspGen's cups: each lip circle at its pose, then the stem."""

from __future__ import annotations

import numpy as np
import pytest

from dexgen.errors import InputError
from dexgen.graspgen.pages import cup_segments, gripper_sketch


def test_cup_circles_at_their_poses_and_the_stem():
    poses = np.tile(np.eye(4), (2, 1, 1))
    poses[:, 0, 3] = [-0.02, 0.02]
    segs = cup_segments(poses, 0.015, 0.069, sides=16)
    assert segs.shape == (2 * 16 + 1, 2, 3)
    for i, x in enumerate((-0.02, 0.02)):
        ring = segs[16 * i : 16 * (i + 1)].reshape(-1, 3)
        np.testing.assert_allclose(np.linalg.norm(ring - [x, 0, 0], axis=1), 0.015)
        np.testing.assert_allclose(ring[:, 2], 0.0)
    np.testing.assert_allclose(segs[-1], [[0, 0, 0], [0, 0, 0.069]])


def test_sketch_by_gripper_block():
    suction = {"poses": [np.eye(4).tolist()], "radius": 0.015, "depth": 0.069}
    assert gripper_sketch(suction, "f.json").shape == (17, 2, 3)
    assert gripper_sketch({"width": 0.08, "depth": 0.1}, "f.json").shape[1:] == (2, 3)
    with pytest.raises(InputError, match="f.json: the gripper block has no width and depth"):
        gripper_sketch({"name": "x"}, "f.json")
