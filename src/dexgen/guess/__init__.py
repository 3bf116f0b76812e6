"""Grasp guessing: antipodal candidates on the exact mesh, whole-gripper collision labels, quotas.

``shard.guess_shard`` is the stage entry point; ``guesses.guess_object`` works on one mesh in memory.
Nothing is re-exported here, so importing one module does not import the others.
"""
