"""Real hands in Isaac Lab PhysX (needs `make isaaclab-env`): the real 2F-85 and a USD gripper no test saw
before hold a box with both pads and miss beside it, as MuJoCo labels them. One worker plays both hands."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import trimesh
from real_hand_guesses import good_and_miss
from usd_hands import JAW_FORCE, write_jaw

from dexgen.grippers.description import load_model
from dexgen.params.isaaclab import IsaacLabConfig
from dexgen.params.sim import DecompositionConfig, SimConfig
from dexgen.records.trials import PHASES, REASONS, Trials
from dexgen.sim.registry import make_backend

pytestmark = [pytest.mark.isaaclab, pytest.mark.slow]


def _why(t: Trials) -> list[str]:
    return [
        f"{PHASES[p]}/{REASONS[r]} opening {o:.4f} drift {d:.4f}"
        for p, r, o, d in zip(t.phase, t.reason, t.final_opening, t.translation_drift)
    ]


@pytest.fixture(scope="module")
def engines(sim, isaaclab_python):
    """(Isaac Lab PhysX, MuJoCo) on the same config; one Isaac Lab worker for the module."""
    cfg = SimConfig(protocol=sim.fast_protocol, threads=1, decomposition=DecompositionConfig(method="hull"))
    isaac = dataclasses.replace(cfg, backend="isaaclab", isaaclab=IsaacLabConfig(physics="physx"))
    with make_backend(isaac) as backend, make_backend(cfg) as reference:
        yield cfg, backend, reference


@pytest.mark.parametrize(
    "hand, extents",
    [("robotiq_2f_85_real", (0.04, 0.05, 0.06)), ("jaw", (0.03, 0.04, 0.05))],
)
def test_a_real_hand_holds_a_box_with_both_pads_and_misses_beside_it(engines, sim, tmp_path, hand, extents):
    cfg, backend, reference = engines
    model = load_model(write_jaw(tmp_path / "jaw.usda") if hand == "jaw" else hand)
    if hand == "jaw":  # the user's USD as it is: its closing force from its drive's maxForce
        assert model.closing_force == pytest.approx(JAW_FORCE) and model.kind == "usd"
    extents = np.asarray(extents)
    obj = sim.sim_object(trimesh.creation.box(extents), cfg, key=f"box_{hand}")
    poses, openings = good_and_miss(model, extents / 2)
    got = backend.run(obj, model, poses, openings)
    want = reference.run(obj, model, poses, openings)
    assert got.success.tolist() == [True, False], _why(got)
    # held to the end with both pads on the object (the "held" rule ends with both pads touching),
    # the pads stopped by the box's faces across x, not closed on air
    assert REASONS[got.reason[0]] == "held" and got.translation_drift[0] < 0.005, _why(got)
    assert got.final_opening[0] == pytest.approx(extents[0], abs=0.004)
    assert REASONS[got.reason[1]] == "missed"
    assert got.final_opening[1] == pytest.approx(model.min_opening, abs=1e-3)  # closed on nothing
    assert np.array_equal(got.success, want.success) and np.array_equal(got.reason, want.reason)
    assert np.array_equal(got.start_penetration, want.start_penetration)  # measured on MuJoCo's scene
    assert backend.last_timings[0]["built"]  # a new scene per hand
