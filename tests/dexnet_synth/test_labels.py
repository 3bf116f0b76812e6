"""Suction seal and wrench resistance, Ferrari-Canny and the parallel-jaw collision checks, on boxes."""

from __future__ import annotations

import numpy as np
import pytest
from dexnet_synth.synth_helpers import resting_box

from dexgen.dexnet.synth.planar_grasps import PlanarGrasps, collision_free, grasp_frames
from dexgen.dexnet.synth.quality import contact_wrenches, ferrari_canny, force_closure
from dexgen.dexnet.synth.render import intersector
from dexgen.dexnet.synth.suction_cup import CupModel, resists, robust_wrench_resistance, seal
from dexgen.grippers.loader import load_gripper
from dexgen.params.synth import ParallelJawConfig, SuctionConfig

DOWN = np.array([0.0, 0.0, -1.0])


@pytest.fixture(scope="module")
def cup() -> CupModel:
    return CupModel.from_config(load_gripper("suction_30mm"), SuctionConfig())


def test_seal_passes_on_a_flat_face_and_fails_across_an_edge(cup):
    box = resting_box((0.1, 0.08, 0.05))
    caster = intersector(box)
    targets = np.array(
        [
            [0.0, 0.0, 0.05],  # centre of the top face
            [0.03, 0.02, 0.05],  # on the face, the cup (r = 15 mm) fully inside
            [0.05, 0.0, 0.05],  # on the edge: half the ring hangs over the side
            [0.045, 0.0, 0.05],  # 5 mm from the edge: the ring crosses it
        ]
    )
    ok = seal(caster, targets, np.tile(DOWN, (4, 1)), cup)
    assert ok.tolist() == [True, True, False, False]


def test_seal_tolerates_a_small_tilt_but_not_a_large_one(cup):
    box = resting_box((0.1, 0.08, 0.05))
    caster = intersector(box)
    tilt = lambda deg: np.array([np.sin(np.deg2rad(deg)), 0.0, -np.cos(np.deg2rad(deg))])  # noqa: E731
    ok = seal(caster, np.tile([0.0, 0.0, 0.05], (2, 1)), np.stack([tilt(3), tilt(45)]), cup)
    assert ok.tolist() == [True, False]


def test_wrench_resistance_above_the_centre_of_mass_and_not_far_from_it(cup):
    targets = np.array([[0.0, 0.0, 0.05], [0.12, 0.0, 0.05]])  # 12 cm lever: 1.2 N m > the bending limit
    approach = np.tile(DOWN, (2, 1))
    com = np.tile([0.0, 0.0, 0.025], (2, 1))
    ok = resists(targets, approach, np.tile(DOWN, (2, 1)), com, np.full(2, 0.5), cup, mass=1.0)
    assert ok.tolist() == [True, False]
    # a weaker vacuum cannot hold 1 kg even above the centre of mass
    weak = CupModel(**{**cup.__dict__, "vacuum": 5.0})
    assert not resists(targets[:1], approach[:1], approach[:1], com[:1], np.full(1, 0.5), weak, mass=1.0)[0]


def test_robust_value_is_a_probability_and_is_deterministic_for_a_seed(cup):
    box = resting_box((0.1, 0.08, 0.05))
    caster = intersector(box)
    targets = np.array([[0.0, 0.0, 0.05], [0.05, 0.0, 0.05]])
    args = (caster, targets, np.tile(DOWN, (2, 1)), np.array([0.0, 0.0, 0.025]), cup, SuctionConfig())
    a = robust_wrench_resistance(*args, rng=np.random.default_rng(1))
    b = robust_wrench_resistance(*args, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(a, b)
    assert 0.5 < a[0] <= 1.0 and a[1] == 0.0


def test_ferrari_canny_positive_for_an_antipodal_pair_and_zero_without_force_closure():
    com = np.zeros(3)
    kw = dict(mu=0.5, torque_scaling=20.0, finger_radius=0.005)
    points = np.array([[-0.02, 0.0, 0.0], [0.02, 0.0, 0.0]])
    normals = np.array([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]])
    assert ferrari_canny(contact_wrenches(points, normals, com, **kw)) > 0
    assert force_closure(points, normals, mu=0.5)
    skew = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])  # second normal at 90 deg to the contact line
    assert ferrari_canny(contact_wrenches(points, skew, com, **kw)) == 0.0
    assert not force_closure(points, skew, mu=0.5)
    # a stronger friction gives a larger quality (the cones widen)
    kw_hi = {**kw, "mu": 0.8}
    assert ferrari_canny(contact_wrenches(points, normals, com, **kw_hi)) > ferrari_canny(
        contact_wrenches(points, normals, com, **kw)
    )


def test_top_down_frames_and_table_and_approach_collisions():
    gripper = load_gripper("robotiq_2f_85")
    box = resting_box((0.04, 0.04, 0.08))
    grasps = PlanarGrasps(
        centres=np.array([[0.0, 0.0, 0.06], [0.0, 0.0, 0.005], [0.035, 0.0, 0.06]]),
        axes=np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]),
        antipodal=np.ones(3, bool),
    )
    frames = grasp_frames(grasps, gripper)
    np.testing.assert_allclose(frames[:, :3, 2], np.tile(DOWN, (3, 1)))  # approach straight down
    np.testing.assert_allclose(frames[0, :3, 3], [0.0, 0.0, 0.06 + gripper.tcp_depth])
    free = collision_free(box, frames, gripper, ParallelJawConfig())
    # 1: fingertips below the table; 2: off-centre by 3.5 cm, the far finger descends through the box
    assert free.tolist() == [True, False, False]
