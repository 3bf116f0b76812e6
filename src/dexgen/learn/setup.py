"""What one task's training needs, from the params sections a training stage declares."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from dexgen.dexnet.fields import task_spec
from dexgen.errors import ConfigError
from dexgen.params.learn import ModelsConfig, OptimConfig, TaskConfig


@dataclasses.dataclass(frozen=True)
class TrainSetup:
    """Everything the train loop needs besides data and model; hashed into checkpoints."""

    task: str
    model_name: str
    model_args: Any  # the architecture dataclass
    optim: OptimConfig
    task_cfg: TaskConfig
    seed: int
    device: str  # resolved ("cpu", "cuda:0")


def task_config(tasks: Mapping[str, TaskConfig], task: str) -> TaskConfig:
    """``tasks.<task>``; a task the params do not configure is an error naming the configured ones."""
    task_spec(task)
    if task not in tasks:
        raise ConfigError(f"params: no tasks.{task} section; configured tasks are {sorted(tasks)}")
    return tasks[task]


def train_setup(
    task: str,
    *,
    seed: int,
    device: str,
    model_name: str,
    models: ModelsConfig,
    tasks: Mapping[str, TaskConfig],
) -> TrainSetup:
    """The :class:`TrainSetup` of ``task`` for architecture ``model_name`` (its ``models`` section),
    from the params sections a training stage declares; the device stays unresolved (``auto``)."""
    section = models.section(model_name)
    return TrainSetup(
        task=task,
        model_name=model_name,
        model_args=dataclasses.replace(section.arch, pose_dim=task_spec(task).pose_dim),
        optim=section.train,
        task_cfg=task_config(tasks, task),
        seed=seed,
        device=device,
    )
