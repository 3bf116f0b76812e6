"""The Dex-Net tasks, named once.

Params (``dexnet.synth.tasks``, ``dexnet.download.tasks``, ``tasks``), the dataset fields
(:data:`dexgen.dexnet.fields.TASKS`), synthesis (:mod:`dexgen.dexnet.synth.registry`), training and the
``dvc.yaml`` matrices follow this list; ``tests/house/test_registries.py`` fails when one of them differs.
"""

from __future__ import annotations

from typing import Literal, get_args

TaskName = Literal["parallel_jaw", "suction"]
TASK_NAMES: tuple[str, ...] = get_args(TaskName)
