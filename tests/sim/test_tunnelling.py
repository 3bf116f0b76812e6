"""No tunnelling at the gripper's own force: the 2F-85 (box and real) at 235 N on a 30 mm box, a 12 mm plate,
a 5 mm-walled tube and a light 16 mm rod ends with its pads on the surface, under both presets, and never crosses the
object during the trial. A trial whose pads did cross is labelled "crossed", never a plain miss."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh
from real_hand_guesses import top_down
from tunnel_objects import (
    BELOW_TOP,
    FINAL_TOLERANCE,
    FORCE,
    OBJECTS,
    TRANSIENT_TOLERANCE,
    box,
    tunnel_object,
)

from dexgen.errors import ConfigError
from dexgen.grippers.description import load_model
from dexgen.grippers.loader import load_gripper
from dexgen.params.sim import DecompositionConfig, SimConfig, SuccessConfig, closing_force_of, protocol_preset
from dexgen.records.trials import PHASES, REASONS
from dexgen.sim.decomposition import Decomposition
from dexgen.sim.evaluate import label_trials
from dexgen.sim.mujoco_backend import MujocoBackend
from dexgen.sim.objects import make_sim_object


@pytest.mark.slow
@pytest.mark.parametrize("preset", ["dexgen", "graspdatagen"])
@pytest.mark.parametrize("hand", ["robotiq_2f_85", "robotiq_2f_85_real"])
def test_the_2f85_at_235_n_ends_on_the_surface_and_never_crosses(preset, hand):
    model = load_model(hand)
    gripper = load_gripper(hand) if hand == "robotiq_2f_85" else model
    assert model.closing_force == FORCE
    cfg = SimConfig(protocol=protocol_preset(preset), threads=1)  # closing_force null: the gripper's own
    failures = []
    with MujocoBackend(cfg) as backend:
        for name in OBJECTS:
            obj, width, tcp = tunnel_object(name, cfg)
            opening = np.array([min(width + 0.02, 0.95 * model.stroke)])
            trials = backend.run(obj, gripper, top_down(model, tcp)[None], opening)
            scene = backend._scene(obj, gripper)
            assert scene.closing_force == FORCE
            path = scene.openings(backend._buffers.state[0])  # (nstep,) the opening at every step
            final = float(trials.final_opening[0])
            if not (trials.success[0] and abs(final - width) <= FINAL_TOLERANCE):
                failures.append(f"{name}: final opening {final * 1e3:.2f} mm, width {width * 1e3:.1f} mm")
            if path.min() < width - TRANSIENT_TOLERANCE:
                failures.append(
                    f"{name}: opening fell to {path.min() * 1e3:.2f} mm, width {width * 1e3:.1f} mm"
                )
    assert not failures, failures


def test_a_trial_whose_pads_crossed_is_labelled_crossed_not_missed():
    """Pads beyond their stop (through each other) or a gripper deep inside the object: "crossed"."""
    cfg = SuccessConfig()
    b, nstep, ref = 4, 10, 4
    kw = dict(
        d_t=np.zeros((b, nstep)),
        d_r=np.zeros((b, nstep)),
        phase_of_step=np.full(nstep, PHASES.index("tug")),
        ref=ref,
        start_penetration=np.zeros(b),
        touch_close=np.array([[True, True], [False, False], [True, True], [True, True]]),
        touch_end=np.ones((b, 2), dtype=bool),
        # held | crossed past the stop (opening -11 mm) | deep in at the close | deep in at the end
        opening_close=np.array([0.03, -0.011, 0.03, 0.03]),
        opening_end=np.array([0.03, -0.011, 0.03, 0.03]),
        finite=np.ones(b, dtype=bool),
        min_opening=0.0,
        cfg=cfg,
        depth_close=np.array([0.0002, 0.0, 0.01, 0.0002]),
        depth_end=np.array([0.0002, 0.0, 0.01, 0.01]),
    )
    success, _, phase, reason = label_trials(**kw)
    assert success.tolist() == [True, False, False, False]
    assert [REASONS[r] for r in reason] == ["held", "crossed", "crossed", "crossed"]
    assert [PHASES[p] for p in phase] == ["none", "close", "close", "end"]
    assert REASONS[:7] == (
        "held",
        "start_penetration",
        "missed",
        "slipped",
        "rotated",
        "lost_contact",
        "unstable",
    )


@pytest.mark.parametrize("soft", [False, True])
def test_mujoco_labels_pads_through_a_thin_wall_crossed(gripper, soft):
    """A soft contact lets 235 N pads through a 1 mm wall: the trial that tunnels fails as "crossed", not as a
    miss. The default contact keeps them out (each sinks ~0.4 mm), and pads closer than closed_margin count as
    closed on nothing, so a wall thinner than that is a miss either way; pads closed beside the wall miss."""
    soft_contact = dict(finger_solref=(0.2, 1.0), finger_solimp=(0.5, 0.6, 0.01), contact_margin=0.0)
    cfg = SimConfig(protocol=protocol_preset("graspdatagen"), threads=1, **(soft_contact if soft else {}))
    wall = [
        (np.asarray(b.vertices, float), np.asarray(b.faces, np.int32)) for b in [box((0.001, 0.05, 0.06))]
    ]
    mesh = trimesh.Trimesh(*wall[0])
    obj = make_sim_object(
        "wall",
        mesh,
        Decomposition(wall, "convex"),
        density=cfg.density,
        friction=1.0,
        torsional_friction=0.01,
    )
    model = load_model("robotiq_2f_85")
    top = 0.03 - BELOW_TOP
    # across the wall | finger_neg's back against the wall, the pads close on air | far beside it
    poses = np.stack([top_down(model, [x, 0, top]) for x in (0.0, 0.026, 0.2)])
    with MujocoBackend(cfg) as backend:
        trials = backend.run(obj, gripper, poses, np.full(3, 0.03))
        path = backend._scene(obj, gripper).openings(backend._buffers.state[0])
    if soft:
        assert path.min() < 0.0  # the first did go through: the pads passed each other
        assert [REASONS[r] for r in trials.reason] == ["crossed", "missed", "missed"]
    else:
        assert path.min() > 0.0  # the pads stayed on either side of the wall
        assert [REASONS[r] for r in trials.reason] == ["missed", "missed", "missed"]


def test_the_squeeze_is_the_grippers_own_unless_params_set_one(gripper, sim):
    """closing_force null: the box YAML's or the description's force; a number in newtons replaces it; a
    gripper that states none is refused, naming what to set."""
    cfg = SimConfig(threads=1, decomposition=DecompositionConfig(method="hull"))
    assert cfg.closing_force is None
    obj, *_ = tunnel_object("box_30mm", cfg)
    real = load_model("robotiq_2f_85_real")
    with MujocoBackend(cfg) as backend:
        assert backend._scene(obj, gripper).closing_force == gripper.closing_force == FORCE
        assert backend._scene(obj, real).closing_force == real.closing_force == FORCE
    with MujocoBackend(sim.with_(cfg, closing_force=40.0)) as backend:
        scene = backend._scene(obj, gripper)
        assert scene.closing_force == 40.0
        assert scene.model.actuator_forcerange[0].tolist() == [-40.0, 40.0]
    with pytest.raises(ConfigError, match=r"sim.closing_force: null .*my_hand states no closing force"):
        closing_force_of(None, cfg, where="my_hand")


def test_mujoco_substeps_keep_the_finger_contacts_time_constant():
    """MuJoCo clamps a solref time constant to 2 dt: the graspdatagen preset's 4 ms step runs as two 2 ms
    MuJoCo steps (finger_solref 4 ms), the dexgen preset's 2 ms as one, unless params name a count; the
    trial still records one state per protocol step."""
    gdg = SimConfig(protocol=protocol_preset("graspdatagen"), threads=1)
    assert (gdg.mujoco_substeps, gdg.mujoco_timestep) == (2, 0.002)
    assert SimConfig().mujoco_substeps == 1
    assert SimConfig(finger_solref=(0.002, 1.0)).mujoco_substeps == 2
    assert SimConfig(finger_solref=(-1e5, -100.0)).mujoco_substeps == 1  # direct form: no time constant
    one = SimConfig(protocol=protocol_preset("graspdatagen"), threads=1, substeps=1)
    assert one.mujoco_timestep == 0.004
    with pytest.raises(ValueError, match="substeps must be >= 1"):
        SimConfig(substeps=0)
    obj, width, tcp = tunnel_object("box_30mm", gdg)
    model = load_model("robotiq_2f_85_real")
    finals = {}
    for cfg in (gdg, one):
        with MujocoBackend(cfg) as backend:
            trials = backend.run(obj, model, top_down(model, tcp)[None], np.array([width + 0.02]))
            scene = backend._scene(obj, model)
            assert scene.model.opt.timestep == cfg.mujoco_timestep
            assert backend._buffers.state.shape[1] == backend.schedule.nstep
            path = scene.openings(backend._buffers.state[0])
        finals[cfg.mujoco_substeps] = (bool(trials.success[0]), path.min())
    held, lowest = finals[2]
    # two 2 ms steps: the pads stop on the surface (+0.15 mm); one 4 ms step yields 2.2 mm into it first
    assert held and lowest > width - 0.0005
    assert finals[1][1] < lowest - 0.001
