"""Backends are chosen by name; the params section is validated with errors that name the key."""

from __future__ import annotations

import pytest

from dexgen.config import from_mapping
from dexgen.errors import ConfigError
from dexgen.params.sim import SimConfig
from dexgen.sim.backend import SimBackend
from dexgen.sim.registry import backend_class, backend_names, make_backend


def test_unknown_backend_lists_the_valid_ones():
    with pytest.raises(ConfigError, match=r"unknown backend 'physx'.*\['isaaclab', 'mujoco'"):
        make_backend(SimConfig(backend="physx"))


@pytest.mark.parametrize("name", backend_names())
def test_every_registered_backend_implements_the_interface(name):
    cls = backend_class(name)
    assert issubclass(cls, SimBackend)
    with cls(SimConfig(threads=1)) as backend:
        assert backend.version()


def test_params_section_round_trips_and_rejects_bad_values():
    cfg = from_mapping(
        SimConfig,
        {
            "backend": "mujoco",
            "density": 800,
            "protocol": {"tugs": [{"duration": 0.1, "direction": [0, 0, 1]}]},
            "success": {"max_translation": 0.01},
        },
        where="params.yaml:sim",
    )
    assert cfg.density == 800.0 and cfg.protocol.tugs[0].direction == (0.0, 0.0, 1.0)
    assert cfg.success.max_translation == 0.01
    with pytest.raises(ConfigError, match=r"params.yaml:sim: unknown key\(s\) \['densty'\]"):
        from_mapping(SimConfig, {"densty": 1}, where="params.yaml:sim")
    with pytest.raises(ConfigError, match="close_ramp"):
        from_mapping(SimConfig, {"protocol": {"close_ramp": 1.0}}, where="params.yaml:sim")
    with pytest.raises(ConfigError, match="direction"):
        from_mapping(
            SimConfig, {"protocol": {"tugs": [{"duration": 0.1, "direction": [0, 0, 0]}]}}, where="s"
        )


def test_speed_settings_do_not_change_the_output_hash():
    assert SimConfig(threads=1, batch_size=8).output_hash() == SimConfig(threads=4).output_hash()
    assert SimConfig(density=400).output_hash() != SimConfig().output_hash()
