"""Test helper: guess and simulate configs small enough for a shard of two boxes in a few seconds."""

from __future__ import annotations

from dexgen.params.guess import GuessConfig
from dexgen.params.sim import DecompositionConfig, ProtocolConfig, SimConfig

GUESS = GuessConfig(num_collision_free_grasps=4, num_colliding_grasps=2, num_random_poses=2, workers=1)
SIM = SimConfig(
    threads=1,
    max_pictures=0,
    decomposition=DecompositionConfig(method="hull"),
    protocol=ProtocolConfig(
        close_duration=0.2, close_ramp=0.1, lift_duration=0.1, tugs=(), shake_duration=0.0
    ),
)
