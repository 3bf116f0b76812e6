"""Protocol presets: what ``sim.protocol.preset`` switches, how overrides combine, and the GraspDataGen trial."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import trimesh

from dexgen.config import from_mapping, to_mapping
from dexgen.errors import ConfigError
from dexgen.params.sim import ProtocolConfig, SimConfig, protocol_preset, sim_variant
from dexgen.records.trials import PHASES, REASONS
from dexgen.sim.protocol import make_schedule, object_forces
from dexgen.sim.registry import make_backend

BOX = (0.05, 0.04, 0.08)


def test_dexgen_preset_is_the_dataclass_defaults():
    assert protocol_preset("dexgen") == ProtocolConfig()
    assert from_mapping(ProtocolConfig, {}, where="sim.protocol") == ProtocolConfig()


def test_graspdatagen_preset_is_graspdatagens_grasp_sim():
    p = protocol_preset("graspdatagen")
    assert (p.timestep, p.close_duration, p.gravity, p.object_mass, p.success_rule) == (
        0.004,
        1.0,
        False,
        1.0,
        "contact",
    )
    assert [t.duration for t in p.tugs] == [0.5] * 5
    assert [t.direction for t in p.tugs][1] == (0.0, 2.0, 1.0)
    schedule = make_schedule(p)
    assert schedule.nstep == round(3.5 / 0.004)  # 1 s close and settle + five 0.5-s tugs, success at 3.5 s
    assert not schedule.cancel_gravity.any()
    assert not (schedule.phase == PHASES.index("lift")).any()
    assert not schedule.shake_pos.any() and not schedule.lift.any()
    # a tug is 1 g x 1 kg along the normalised direction, nothing during the close
    forces = object_forces(schedule, np.eye(4)[None], 1.0)
    assert np.linalg.norm(forces[0, -1]) == pytest.approx(9.81)
    assert not forces[0, : schedule.end_of_close + 1].any()


def test_keys_override_the_preset_and_the_rest_stays():
    p = from_mapping(ProtocolConfig, {"preset": "graspdatagen", "tug_force_g": 2.0}, where="sim.protocol")
    assert p.tug_force_g == 2.0 and p.timestep == 0.004 and p.preset == "graspdatagen"


def test_unknown_preset_names_the_key_and_the_choices():
    with pytest.raises(
        ConfigError, match=r"sim.protocol.preset: 'isaac' is not one of \['dexgen', 'graspdatagen'\]"
    ):
        from_mapping(ProtocolConfig, {"preset": "isaac"}, where="sim.protocol")


def test_a_variant_naming_a_preset_replaces_the_protocol_whole():
    base = SimConfig(protocol=ProtocolConfig(tug_force_g=3.0), density=700.0)
    b = sim_variant(base, {"protocol": {"preset": "graspdatagen"}, "backend": "mujoco"}, where="b")
    assert b.protocol == protocol_preset("graspdatagen")  # not the base's tug_force_g
    assert b.density == 700.0  # everything else is the base's
    c = sim_variant(base, {"protocol": {"tug_force_g": 1.5}}, where="c")  # no preset: merged key by key
    assert c.protocol == dataclasses.replace(base.protocol, tug_force_g=1.5)
    with pytest.raises(ConfigError, match="sim_compare.b.friction"):
        sim_variant(base, {"friction": "high"}, where="sim_compare.b")


def test_the_preset_is_part_of_the_output_hash():
    a = SimConfig()
    b = sim_variant(a, {"protocol": {"preset": "graspdatagen"}}, where="b")
    assert a.output_hash() != b.output_hash()
    assert to_mapping(b)["protocol"]["preset"] == "graspdatagen"


def _run(cfg, gripper, sim, poses, opening=0.07):
    obj = sim.sim_object(trimesh.creation.box(BOX), cfg, key="box")
    assert obj.mass == pytest.approx(1.0)
    with make_backend(cfg) as backend:
        return backend.run(obj, gripper, np.array(poses), np.full(len(poses), opening))


def test_graspdatagen_trial_holds_a_grasp_and_misses_a_far_pose(fast_config, gripper, sim):
    cfg = sim.with_(fast_config, protocol=protocol_preset("graspdatagen"))
    down, across = (0.0, 0.0, -1.0), (1.0, 0.0, 0.0)
    poses = [
        sim.grasp(gripper, (0, 0, 0.025), down, across),  # pads on the 4 x 8 cm faces
        sim.grasp(gripper, (0.0, 0.09, 0.0), (0, -1, 0), (0, 0, 1)),  # 6 cm beside the box
    ]
    r = _run(cfg, gripper, sim, poses)
    assert r.success.tolist() == [True, False], [(PHASES[p], REASONS[x]) for p, x in zip(r.phase, r.reason)]
    assert (PHASES[r.phase[1]], REASONS[r.reason[1]]) == ("close", "missed")
    assert r.final_opening[0] == pytest.approx(BOX[0], abs=0.003)


def test_contact_rule_ignores_drift_that_the_held_rule_fails():
    """Two trials in contact at the close and the end; the second drifted 3 cm on the way."""
    from dexgen.params.sim import SuccessConfig
    from dexgen.sim.evaluate import label_trials

    nstep, ref = 10, 3
    d_t = np.zeros((2, nstep))
    d_t[1, 6:] = 0.03
    both = np.ones((2, 2), dtype=bool)
    kwargs = dict(
        d_t=d_t,
        d_r=np.zeros((2, nstep)),
        phase_of_step=np.full(nstep, PHASES.index("tug"), dtype=np.int8),
        ref=ref,
        start_penetration=np.zeros(2),
        touch_close=both,
        touch_end=both,
        opening_close=np.full(2, 0.05),
        opening_end=np.full(2, 0.05),
        finite=np.ones(2, dtype=bool),
        min_opening=0.0,
        cfg=SuccessConfig(),
    )
    held, _, phase, reason = label_trials(**kwargs)
    assert held.tolist() == [True, False] and (PHASES[phase[1]], REASONS[reason[1]]) == ("tug", "slipped")
    contact, score, _, _ = label_trials(**kwargs, check_drift=False)
    assert contact.tolist() == [True, True]
    assert score[0] == 1.0 and score[1] == 0.5  # still graded by drift: 3 cm is past the 2-cm limit


def test_stiffer_friction_creeps_less_under_long_tugs(fast_config, gripper, sim):
    """impratio (MuJoCo's friction-to-normal impedance) reaches the scene: a lightly squeezed 1-kg box creeps
    through the preset's 2.5 s of 1-g tugs, much less with friction ten times as stiff."""
    cfg = sim.with_(fast_config, protocol=protocol_preset("graspdatagen"), closing_force=8.0, impratio=1.0)
    pose = [sim.grasp(gripper, (0, 0, 0.025), (0.0, 0.0, -1.0), (1.0, 0.0, 0.0))]
    soft = _run(cfg, gripper, sim, pose)
    stiff = _run(sim.with_(cfg, impratio=10.0), gripper, sim, pose)
    assert stiff.translation_drift[0] < 0.1 * soft.translation_drift[0], (soft, stiff)
    assert stiff.success[0] and not soft.success[0]  # the soft one slid out of the pads
    with pytest.raises(ValueError, match="impratio"):
        SimConfig(impratio=0.0)
