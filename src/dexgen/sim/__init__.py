"""Physics verification of grasp guesses: backends by name, the MuJoCo trial, per-shard runs.

``shard.simulate_shard`` is the stage entry point; ``registry.make_backend(config).run(obj, gripper,
poses, openings)`` simulates one object's poses in memory. Nothing is re-exported here, so importing
one module does not import the others.
"""
