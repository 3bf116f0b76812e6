"""The trial discriminates: antipodal guesses are held far more often than random collision-free poses."""

from __future__ import annotations

import numpy as np
import pytest

from dexgen.guess.guesses import guess_object
from dexgen.objects.procedural import make_object
from dexgen.params.guess import GuessConfig
from dexgen.rates import wilson
from dexgen.records.guesses import FREE, RANDOM
from dexgen.seeding import rng_for
from dexgen.sim.registry import make_backend


@pytest.mark.parametrize("kind", ["box", "cylinder", "superquadric"])
def test_antipodal_beats_random_on_the_same_object(kind, fast_config, gripper, sim):
    mesh = make_object(kind, f"{kind}_000", seed=3, size_range=(0.04, 0.07))
    gcfg = GuessConfig(num_collision_free_grasps=16, num_colliding_grasps=0, num_random_poses=24, workers=1)
    guesses = guess_object(mesh, gripper, gcfg, rng_for(3, "test", kind))
    with make_backend(fast_config) as backend:
        r = backend.run(sim.sim_object(mesh, fast_config), gripper, guesses.poses, guesses.openings)
    free, rand = guesses.labels == FREE, guesses.labels == RANDOM
    assert free.sum() >= 12 and rand.sum() >= 20
    held_free, held_rand = int(r.success[free].sum()), int(r.success[rand].sum())
    lo_free = wilson(held_free, int(free.sum()))[0]
    hi_rand = wilson(held_rand, int(rand.sum()))[1]
    assert lo_free > hi_rand, (held_free, free.sum(), held_rand, rand.sum())
    assert np.mean(r.score[free]) > np.mean(r.score[rand])
