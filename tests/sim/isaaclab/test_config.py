"""``sim.isaaclab`` in the output hash: only for the Isaac Lab backend, and only what changes the output bytes."""

from __future__ import annotations

import dataclasses

import pytest

from dexgen.params.isaaclab import IsaacLabConfig
from dexgen.params.sim import SimConfig


def test_mujoco_outputs_do_not_depend_on_the_isaaclab_section():
    a = SimConfig()
    b = dataclasses.replace(a, isaaclab=IsaacLabConfig(physics="newton", position_iterations=64))
    assert "isaaclab" not in a.output_params()
    assert a.output_hash() == b.output_hash()


@pytest.mark.parametrize(
    "change, hashed",
    [
        ({"physics": "newton"}, True),
        ({"position_iterations": 32}, True),
        ({"substeps": 2}, True),
        ({"num_envs": 16}, True),  # deterministic per batch size, not across sizes (4e-5 m apart)
        ({"python": "/opt/isaaclab/bin/python"}, False),
        ({"device": "cpu"}, True),
        ({"batch_timeout": 10.0}, False),
    ],
)
def test_isaaclab_outputs_hash_what_changes_bytes(change, hashed):
    a = SimConfig(backend="isaaclab")
    b = dataclasses.replace(a, isaaclab=dataclasses.replace(a.isaaclab, **change))
    assert (a.output_hash() != b.output_hash()) is hashed
    assert a.output_hash() != SimConfig().output_hash()


@pytest.mark.parametrize(
    "change",
    [
        {"impratio": 1.0},
        {"solver_tolerance": 1e-6},
        {"warmstart": False},
        {"finger_solref": (0.01, 1.0)},
        {"substeps": 2},
    ],
)
def test_mujoco_solver_settings_are_hashed_for_mujoco_only(change):
    for backend, hashed in (("mujoco", True), ("isaaclab", False)):
        a = SimConfig(backend=backend)
        assert (a.output_hash() != dataclasses.replace(a, **change).output_hash()) is hashed, backend


def test_engine_threads_are_never_hashed():
    for backend in ("mujoco", "isaaclab"):
        a = SimConfig(backend=backend)
        assert a.output_hash() == dataclasses.replace(a, threads=1).output_hash()
