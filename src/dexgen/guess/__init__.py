"""Grasp guessing: antipodal candidates on the exact mesh, whole-gripper collision labels, quotas.

``guess_shard`` is the stage entry point; ``guess_object`` works on one mesh in memory.
"""

from dexgen.guess.config import GuessConfig
from dexgen.guess.guesses import LABELS, ObjectGuesses, guess_object
from dexgen.guess.shard import guess_shard

__all__ = ["LABELS", "GuessConfig", "ObjectGuesses", "guess_object", "guess_shard"]
