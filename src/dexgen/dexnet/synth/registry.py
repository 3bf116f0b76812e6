"""Synthesis tasks by name (``dexnet.synth.tasks``): adding a task is one module plus one line here."""

from __future__ import annotations

from dexgen.dexnet.synth import parallel_jaw, suction
from dexgen.dexnet.synth.task import SynthTask
from dexgen.errors import ConfigError

TASKS: dict[str, SynthTask] = {task.name: task for task in (parallel_jaw.TASK, suction.TASK)}


def get_task(name: str) -> SynthTask:
    """The task called ``name``; an unknown name lists the valid ones."""
    try:
        return TASKS[name]
    except KeyError:
        raise ConfigError(f"unknown synthesis task {name!r}; valid tasks are {sorted(TASKS)}") from None
