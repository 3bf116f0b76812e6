"""Gripper descriptions: one YAML file per gripper, the single source of gripper geometry.

The guess stage, the simulator and the GraspGen gripper config all build their bodies from
:func:`dexgen.grippers.geometry.bodies`, so a gripper is described exactly once. Modules: ``spec``
(the typed description), ``loader`` (shipped names, files, validation), ``geometry`` (bodies and
meshes). Nothing is re-exported here, so importing one module does not import the others.
"""
