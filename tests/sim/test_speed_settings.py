"""The speed settings of the MuJoCo trial: mid-trial early exit and the solver options leave labels alone."""

from __future__ import annotations

import dataclasses

import mujoco
import numpy as np
import pytest
import trimesh

from dexgen.params.sim import FAST_TRIAL, SimConfig
from dexgen.records.trials import PHASES, REASONS
from dexgen.sim.evaluate import drift, drift_from, relative_poses, rotation_angle
from dexgen.sim.mujoco_scene import build_scene
from dexgen.sim.registry import make_backend

BOX = (0.05, 0.04, 0.08)
DOWN = (0.0, 0.0, -1.0)
ACROSS = (1.0, 0.0, 0.0)


def _poses(gripper, sim):
    """Held grasps, grasps that slip under a 1 g tug when heavy, and misses, on one box."""
    rng = np.random.default_rng(3)
    held = [sim.grasp(gripper, (0, 0, z), DOWN, ACROSS) for z in rng.uniform(0.0, 0.045, 4)]
    off = [sim.grasp(gripper, (x, 0, 0.03), DOWN, ACROSS) for x in (0.02, -0.018)]  # off-centre: may turn
    tip = [sim.grasp(gripper, (0, 0, 0.038), DOWN, (1.0, 0.0, 0.3))]  # fingertips on the rim, tilted
    miss = [sim.grasp(gripper, (0, 0, 0.06), DOWN, ACROSS)]
    return np.array(held + off + tip + miss)


def _run(cfg, gripper, sim, poses):
    obj = sim.sim_object(trimesh.creation.box(BOX), cfg)
    with make_backend(cfg) as backend:
        return backend.run(obj, gripper, poses, np.full(len(poses), 0.07))


@pytest.mark.parametrize("density", [500.0, 6000.0])
def test_mid_trial_early_exit_gives_the_labels_of_the_full_rollout(fast_config, gripper, sim, density):
    """Stopping a trial once its object drifted past a threshold keeps success, phase, reason and score
    (without the warm start, which a segment cannot carry over; see the next tests)."""
    base = sim.with_(fast_config, closing_force=5.0, density=density, warmstart=False)
    poses = _poses(gripper, sim)
    full = _run(sim.with_(base, early_exit_steps=0), gripper, sim, poses)
    for steps in (1, 7, 30):
        early = _run(sim.with_(base, early_exit_steps=steps), gripper, sim, poses)
        np.testing.assert_array_equal(early.success, full.success)
        np.testing.assert_array_equal(early.phase, full.phase)
        np.testing.assert_array_equal(early.reason, full.reason)
        np.testing.assert_array_equal(early.score, full.score)
        # trials rolled out to the end are the same trials
        keep = full.success | (full.reason == REASONS.index("lost_contact"))
        np.testing.assert_allclose(early.final_poses[keep], full.final_poses[keep], atol=1e-9)
        # a stopped trial reports the drift of the step it stopped at: past a threshold
        stopped = np.isin(full.reason, [REASONS.index("slipped"), REASONS.index("rotated")])
        over = (early.translation_drift > base.success.max_translation) | (
            early.rotation_drift > base.success.max_rotation
        )
        assert over[stopped].all()
    if density > 1000:  # heavy: something must have slipped, so the exit was exercised
        assert {PHASES[p] for p in full.phase[~full.success]} & {"lift", "tug", "shake"}


def test_early_exit_stops_a_slipping_trial_before_the_end(fast_config, gripper, sim, monkeypatch):
    """The heavy box slips in the lift: with early exit its later segments are never rolled out."""
    cfg = sim.with_(fast_config, closing_force=5.0, density=20000.0, early_exit_steps=10)
    poses = np.array([sim.grasp(gripper, (0, 0, 0.025), DOWN, ACROSS)])
    steps = []
    from mujoco import rollout

    real = rollout.Rollout.rollout

    def counting(self, model, data, initial_state, control=None, **kw):
        steps.append(np.shape(control)[1])
        return real(self, model, data, initial_state, control, **kw)

    monkeypatch.setattr(rollout.Rollout, "rollout", counting)
    r = _run(cfg, gripper, sim, poses)
    assert REASONS[r.reason[0]] in ("slipped", "rotated")
    from dexgen.sim.protocol import make_schedule

    nstep = make_schedule(cfg.protocol).nstep
    assert sum(steps) < nstep  # the close plus a few segments, not the whole trial


def test_default_solver_is_mujocos_and_the_fast_trial_turns_work_off(fast_config, gripper, sim):
    """The defaults keep MuJoCo's solver (labels exactly as before); FAST_TRIAL turns islands and warmstart off."""
    obj = sim.sim_object(trimesh.creation.box(BOX), fast_config)
    default = mujoco.MjOption()
    opt = build_scene(obj, gripper, SimConfig()).model.opt
    assert opt.tolerance == default.tolerance
    assert opt.disableflags == default.disableflags
    assert SimConfig().early_exit_steps == 0
    fast = build_scene(obj, gripper, dataclasses.replace(fast_config, **FAST_TRIAL)).model.opt
    assert fast.tolerance == FAST_TRIAL["solver_tolerance"]
    assert fast.disableflags & mujoco.mjtDisableBit.mjDSBL_ISLAND
    assert fast.disableflags & mujoco.mjtDisableBit.mjDSBL_WARMSTART


def test_without_warmstart_early_exit_is_bit_exact(fast_config, gripper, sim):
    """A segment restarts from the physics state alone: exact when the solve has no warm start to lose."""
    base = sim.with_(fast_config, **{**FAST_TRIAL, "early_exit_steps": 0})
    poses = _poses(gripper, sim)
    full = _run(base, gripper, sim, poses)
    early = _run(sim.with_(base, early_exit_steps=7), gripper, sim, poses)
    for name in ("success", "phase", "reason", "score"):
        np.testing.assert_array_equal(getattr(early, name), getattr(full, name))


def test_fast_trial_agrees_on_these_labels(fast_config, gripper, sim):
    poses = _poses(gripper, sim)
    fast = _run(sim.with_(fast_config, **FAST_TRIAL), gripper, sim, poses)
    default = _run(fast_config, gripper, sim, poses)
    np.testing.assert_array_equal(fast.success, default.success)


def test_only_gripper_object_pairs_can_collide(fast_config, gripper, sim):
    """Nothing to prune: hand bodies never collide with each other, object parts never with each other."""
    mesh = trimesh.util.concatenate([trimesh.creation.box(BOX), trimesh.creation.box(BOX, np.eye(4) * 1)])
    obj = sim.sim_object(mesh, fast_config)
    scene = build_scene(obj, gripper, fast_config)
    m = scene.model
    data = mujoco.MjData(m)
    mujoco.mj_forward(m, data)  # hand and object overlap at the origin: every possible pair is touching
    obj_geoms = set(scene.object_geoms.tolist())
    for c in data.contact[: data.ncon]:
        assert (c.geom1 in obj_geoms) != (c.geom2 in obj_geoms)


def test_drift_from_matches_drift():
    rng = np.random.default_rng(0)
    q = rng.normal(size=(3, 5, 4))
    p = rng.normal(size=(3, 5, 3))
    rel_pos, rel_rot = relative_poses(p, q, p[:, ::-1], q[:, ::-1])
    d_t, d_r = drift(rel_pos, rel_rot, 2)
    e_t, e_r = drift_from(rel_pos, rel_rot, rel_pos[:, 2], rel_rot[:, 2])
    np.testing.assert_array_equal(d_t, e_t)
    np.testing.assert_array_equal(d_r, e_r)
    ref = rotation_angle(np.einsum("bji,btjk->btik", rel_rot[:, 2], rel_rot))
    np.testing.assert_allclose(d_r, ref, atol=1e-6)
