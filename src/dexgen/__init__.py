"""dexgen: grasp data from meshes and grasp-quality networks, as one reproducible DVC pipeline."""

__version__ = "0.1.0"
