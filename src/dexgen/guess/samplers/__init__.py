"""Grasp samplers, one module each, mixed by fraction (``guess.samplers``)."""
