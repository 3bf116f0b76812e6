"""Samplers by name. Add one by writing a module with ``propose(mesh, gripper, count, rng, cfg) ->
Proposals`` and listing it here; ``guess.samplers`` in params mixes them by fraction."""

from __future__ import annotations

from collections.abc import Callable

from dexgen.guess.samplers import acronym, antipodal, finger_pad

# Names are ``params.guess.SAMPLER_NAMES``, whose order fixes the int8 codes in guess files.
SAMPLERS: dict[str, Callable] = {
    "antipodal": antipodal.propose,
    "finger_pad": finger_pad.propose,
    "acronym": acronym.propose,
}
