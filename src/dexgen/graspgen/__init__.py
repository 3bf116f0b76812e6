"""GraspGen training data: grasp files, maps, splits, gripper config, the dataset check and tools.

Modules: ``export`` (the one writer of the stage and the CLI; layout in its docstring), ``labels``
(which grasps, which label), ``validate`` (the graspgen-format.md §14 checklist), ``splits``,
``gripper_config``, ``grasp_file``, ``sources`` (guess/sim files -> per-object results), ``workflow``
(``dexgen graspgen`` and the stage entry), ``analyze`` and ``isaac_yaml`` (tools), ``commands`` (CLI).
Nothing is imported here, so ``dexgen --help`` stays fast.
"""
