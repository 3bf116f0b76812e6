"""No tunnelling in Isaac Lab PhysX at the gripper's own force (needs `make isaaclab-env`): the 2F-85, box and
real, at 235 N on the objects MuJoCo's tunnelling test squeezes, under both protocol presets, ends held with its
pads on the surface. A pad through the object ends closed on nothing (opening ~0), far from the width."""

from __future__ import annotations

import numpy as np
import pytest
from real_hand_guesses import top_down
from tunnel_objects import FINAL_TOLERANCE, FORCE, OBJECTS, tunnel_object

from dexgen.grippers.description import load_model
from dexgen.grippers.loader import load_gripper
from dexgen.params.isaaclab import IsaacLabConfig
from dexgen.params.sim import SimConfig, protocol_preset
from dexgen.records.trials import PHASES, REASONS
from dexgen.sim.registry import make_backend

pytestmark = [pytest.mark.isaaclab, pytest.mark.slow]


@pytest.mark.parametrize("preset", ["dexgen", "graspdatagen"])
def test_physx_at_235_n_ends_on_the_surface_of_every_object(preset, isaaclab_python):
    cfg = SimConfig(
        backend="isaaclab",
        protocol=protocol_preset(preset),  # closing_force null: the gripper's own
        isaaclab=IsaacLabConfig(physics="physx", python=isaaclab_python, num_envs=4),
        threads=1,
    )
    failures = []
    with make_backend(cfg) as backend:
        for hand in ("robotiq_2f_85", "robotiq_2f_85_real"):
            model = load_model(hand)
            gripper = load_gripper(hand) if hand == "robotiq_2f_85" else model
            assert model.closing_force == FORCE
            for name in OBJECTS:
                obj, width, tcp = tunnel_object(name, cfg)
                opening = np.array([min(width + 0.02, 0.95 * model.stroke)])
                trials = backend.run(obj, gripper, top_down(model, tcp)[None], opening)
                final = float(trials.final_opening[0])
                if not (trials.success[0] and abs(final - width) <= FINAL_TOLERANCE):
                    why = f"{PHASES[trials.phase[0]]}/{REASONS[trials.reason[0]]}"
                    failures.append(
                        f"{hand} {name}: {why}, opening {final * 1e3:.2f} mm, width {width * 1e3:.1f} mm"
                    )
    assert not failures, failures
