"""Shared helpers of the sim tests: a short protocol, grasp poses built by hand, objects in memory."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import trimesh

from dexgen.grippers.loader import load_gripper
from dexgen.params.sim import DecompositionConfig, ProtocolConfig, SimConfig, Tug
from dexgen.sim.decomposition import decompose
from dexgen.sim.objects import SimObject, make_sim_object

# A short trial: every phase present, about a third of the default steps.
FAST_PROTOCOL = ProtocolConfig(
    close_duration=0.2,
    close_ramp=0.12,
    lift_duration=0.12,
    lift_height=0.05,
    tugs=(Tug(0.1, (0.0, 0.0, 1.0)), Tug(0.1, (2.0, 0.0, 1.0))),
    shake_duration=0.16,
)

# The same short trial as a params.yaml ``sim.protocol`` mapping with one tug, for stage scripts and variants.
FAST_PARAMS = {
    "close_duration": 0.2,
    "close_ramp": 0.12,
    "lift_duration": 0.12,
    "lift_height": 0.05,
    "tugs": [{"duration": 0.1, "direction": [0, 0, 1]}],
    "shake_duration": 0.16,
}


@pytest.fixture(scope="session")
def gripper():
    return load_gripper("robotiq_2f_85")


@pytest.fixture
def fast_config() -> SimConfig:
    return SimConfig(protocol=FAST_PROTOCOL, threads=1, decomposition=DecompositionConfig(method="hull"))


def sim_object(mesh: trimesh.Trimesh, cfg: SimConfig, key: str = "obj") -> SimObject:
    return make_sim_object(
        key,
        mesh,
        decompose(mesh, cfg.decomposition),
        density=cfg.density,
        friction=cfg.friction,
        torsional_friction=cfg.torsional_friction,
        mass=cfg.protocol.object_mass,
    )


def grasp(gripper, tcp, approach, closing) -> np.ndarray:
    """(4, 4) gripper base in the object frame with the TCP at ``tcp``, +z along ``approach``, +x along ``closing``."""
    z = np.asarray(approach, float) / np.linalg.norm(approach)
    x = np.asarray(closing, float) - np.dot(closing, z) * z
    x /= np.linalg.norm(x)
    pose = np.eye(4)
    pose[:3, :3] = np.column_stack([x, np.cross(z, x), z])
    pose[:3, 3] = np.asarray(tcp, float) - gripper.tcp_depth * z
    return pose


def with_(cfg: SimConfig, **changes) -> SimConfig:
    return dataclasses.replace(cfg, **changes)


class Helpers:
    """Helper functions handed to tests as the ``sim`` fixture (conftest modules cannot be imported here)."""

    grasp = staticmethod(grasp)
    sim_object = staticmethod(sim_object)
    with_ = staticmethod(with_)
    fast_protocol = FAST_PROTOCOL
    fast_params = FAST_PARAMS


@pytest.fixture(scope="session")
def sim() -> type[Helpers]:
    return Helpers


def pytest_collection_modifyitems(items):
    """Backend-parametrized tests also run on Isaac Lab: marked isaaclab + slow, skipped (saying why) when its
    environment is unavailable, unless DEXGEN_REQUIRE_ISAACLAB=1 (then they run and fail)."""
    from isaaclab_env import REQUIRE_ISAACLAB, unavailable

    marked = [
        item
        for item in items
        if getattr(item, "callspec", None) is not None and item.callspec.params.get("backend") == "isaaclab"
    ]
    reason = None if REQUIRE_ISAACLAB or not marked else unavailable()
    for item in marked:
        item.add_marker(pytest.mark.isaaclab)
        item.add_marker(pytest.mark.slow)
        if reason is not None:
            item.add_marker(pytest.mark.skip(reason=f"Isaac Lab environment unavailable: {reason}"))
