"""Dex-Net-format training data made from our own objects (``dexnet_synth`` stage).

Modules: ``poses`` (stable resting poses), ``camera`` (intrinsics, camera poses), ``render`` (embree
depth images with the table), ``crops`` (grasp-centred 32 x 32 thumbnails), ``parallel_jaw`` (top-down
grasps, collision, Ferrari-Canny) with ``quality``, ``suction`` (seal and wrench resistance),
``datapoints`` (one object per task), ``cache`` (resume), ``stage`` (the whole set), ``pictures``.
"""

from dexgen.dexnet.synth.config import SynthConfig
from dexgen.dexnet.synth.stage import synthesize

__all__ = ["SynthConfig", "synthesize"]
