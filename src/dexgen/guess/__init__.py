"""Grasp guessing: sampled candidates on the exact mesh, pads placed at first touch, whole-gripper
collision labels, quotas, and the coverage report.

``shard.guess_shard`` is the stage entry point; ``guesses.guess_object`` works on one mesh in memory;
``samplers/`` holds one module per sampler; ``report.write_report`` is the ``guess_report`` stage.
Nothing is re-exported here, so importing one module does not import the others.
"""
