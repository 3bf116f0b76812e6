"""The Isaac Lab backend: PhysX (ovphysx) or Newton, run out of process in its own Python 3.12 environment.

- :mod:`.environment` finds or builds that environment (keyed by the hash of its lock file);
- :mod:`.request` turns one object's batch of trials into engine-independent arrays (and back);
- :mod:`.client` runs the persistent worker subprocess and speaks its line protocol;
- :mod:`.worker` (under the 3.12 interpreter: stdlib, numpy and Isaac Lab only) builds the scene and plays it;
- :mod:`.backend` is the :class:`~dexgen.sim.backend.SimBackend` that ties them together.

This package's ``__init__`` imports nothing, so the worker can be loaded without the main environment.
"""
