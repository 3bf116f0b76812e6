"""Suction grasps for GraspGen: cup arrays, GraspGen's seal and wrench tests, Dex-Net 3.0's, and contacts.

One concept per module: :mod:`cup` (the spring cone of each cup, from a gripper file), :mod:`contacts`
(GraspGen's pose convention, seeded), :mod:`seal_graspgen` and :mod:`wrench_graspgen` (GraspGen's own
``SuctionCupArray`` rules, vectorised), :mod:`rules` (the label rules by name: ``graspgen``, ``dexnet``).
"""
