"""The grasp trial against answers known without a simulator: what a parallel jaw can and cannot hold."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from dexgen.records.trials import PHASES, REASONS
from dexgen.sim.registry import backend_names, make_backend

BOX = (0.05, 0.04, 0.08)  # m; 5 cm across the closing axis, well inside the 85 mm stroke
DOWN = (0.0, 0.0, -1.0)  # approach from above the box
ACROSS = (1.0, 0.0, 0.0)  # close across the 5 cm side


def _run(cfg, gripper, mesh, poses, openings=0.07):
    from dexgen.sim.decomposition import decompose
    from dexgen.sim.objects import make_sim_object

    obj = make_sim_object(
        "obj",
        mesh,
        decompose(mesh, cfg.decomposition),
        density=cfg.density,
        friction=cfg.friction,
        torsional_friction=cfg.torsional_friction,
    )
    with make_backend(cfg) as backend:
        return backend.run(obj, gripper, np.array(poses), np.full(len(poses), openings))


@pytest.mark.parametrize("backend", backend_names())
def test_centred_antipodal_grasp_on_a_box_is_held(backend, fast_config, gripper, sim):
    cfg = sim.with_(fast_config, backend=backend)
    box = trimesh.creation.box(BOX)
    # TCP 1.5 cm below the top face: pads on the two 4x8 cm faces, palm clear of the box
    r = _run(cfg, gripper, box, [sim.grasp(gripper, (0, 0, 0.025), DOWN, ACROSS)])
    assert r.success[0], (PHASES[r.phase[0]], REASONS[r.reason[0]])
    assert r.score[0] >= 0.5
    assert r.translation_drift[0] < cfg.success.max_translation
    assert r.final_opening[0] == pytest.approx(BOX[0], abs=0.003)  # pads rest on the faces, 5 cm apart
    assert r.start_penetration[0] == 0.0
    # the post-trial pose is the input pose moved by at most the drift
    start = sim.grasp(gripper, (0, 0, 0.025), DOWN, ACROSS)
    assert np.linalg.norm(r.final_poses[0][:3, 3] - start[:3, 3]) < 0.03


@pytest.mark.parametrize("backend", backend_names())
def test_poses_that_cannot_hold_fail(backend, fast_config, gripper, sim):
    cfg = sim.with_(fast_config, backend=backend)
    box = trimesh.creation.box(BOX)
    poses = [
        # shifted along the closing axis: finger_neg's back rests against the +x face, the pads close on air
        sim.grasp(gripper, (0.0695, 0, 0.025), DOWN, ACROSS),
        # rotated off the object: approach sideways at a point 6 cm beside the box
        sim.grasp(gripper, (0.0, 0.09, 0.0), (0, -1, 0), (0, 0, 1)),
        # fingertips just above the top face: nothing between the pads
        sim.grasp(gripper, (0, 0, 0.06), DOWN, ACROSS),
    ]
    r = _run(cfg, gripper, box, poses)
    assert not r.success.any()
    assert (r.score < 0.5).all()
    assert [PHASES[p] for p in r.phase] == ["close"] * 3
    assert [REASONS[x] for x in r.reason] == ["missed"] * 3


def test_palm_inside_the_object_fails_at_the_start(fast_config, gripper, sim):
    box = trimesh.creation.box(BOX)
    # TCP at the centre: the palm face (3.5 cm above the TCP) sits 5 mm inside the top face
    r = _run(fast_config, gripper, box, [sim.grasp(gripper, (0, 0, 0.0), DOWN, ACROSS)])
    assert r.start_penetration[0] == pytest.approx(0.005, abs=0.001)
    assert (PHASES[r.phase[0]], REASONS[r.reason[0]]) == ("start", "start_penetration")


def test_too_heavy_for_the_closing_force_slips(fast_config, gripper, sim):
    """Friction holds mu * 2 * F; the weight plus a 1 g tug exceeds it once the box is heavy enough."""
    cfg = sim.with_(fast_config, closing_force=5.0)  # mu 1 x 2 pads x 5 N = 10 N of friction
    box = trimesh.creation.box(BOX)  # 1.6e-4 m^3
    pose = [sim.grasp(gripper, (0, 0, 0.025), DOWN, ACROSS)]
    light = _run(sim.with_(cfg, density=300.0), gripper, box, pose)  # 0.05 kg: 1 N of weight
    heavy = _run(sim.with_(cfg, density=20000.0), gripper, box, pose)  # 3.2 kg: 31 N of weight
    assert light.success[0]
    assert not heavy.success[0]
    assert REASONS[heavy.reason[0]] in ("slipped", "rotated")
    assert PHASES[heavy.phase[0]] in ("lift", "tug")


def test_results_are_identical_for_fixed_inputs_and_any_thread_count(fast_config, gripper, sim):
    box = trimesh.creation.box(BOX)
    rng = np.random.default_rng(0)
    poses = [sim.grasp(gripper, (0, 0, z), DOWN, ACROSS) for z in rng.uniform(0.0, 0.05, 5)]
    a = _run(fast_config, gripper, box, poses)
    b = _run(sim.with_(fast_config, threads=2, batch_size=2), gripper, box, poses)
    for name in a.ARRAYS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
