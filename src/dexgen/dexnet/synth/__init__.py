"""Dex-Net-format training data made from our own objects (``dexnet_synth`` stage).

Modules: ``poses`` (stable resting poses), ``camera`` (intrinsics, camera poses), ``render`` (embree
depth images with the table), ``crops`` (grasp-centred 32 x 32 thumbnails), ``planar_grasps``
(top-down grasps, collision, Ferrari-Canny) with ``quality``, ``suction_cup`` (seal and wrench
resistance), ``task`` (what a task is), the tasks ``parallel_jaw`` and ``suction`` with their
``registry``, ``stage`` (the whole set), ``pictures``, ``config``. Nothing is re-exported here.
"""
