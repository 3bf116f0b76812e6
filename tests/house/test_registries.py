"""One list of Dex-Net tasks (:mod:`dexgen.params.tasks`): everything keyed by task follows it."""

from __future__ import annotations

import dataclasses

import pytest
import yaml
from house.imports import REPO

from dexgen.dexnet.fields import TASKS as FIELD_TASKS
from dexgen.dexnet.synth.registry import TASKS as SYNTH_TASKS
from dexgen.params.dexnet import DownloadConfig
from dexgen.params.learn import default_tasks
from dexgen.params.synth import SynthConfig
from dexgen.params.tasks import TASK_NAMES
from dexgen.params.tree import load_params

DVC = yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"]


def _per_task_fields(cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)} & {*TASK_NAMES, *FIELD_TASKS, *SYNTH_TASKS}


@pytest.mark.parametrize(
    ("where", "names"),
    [
        ("dexgen.dexnet.fields.TASKS", set(FIELD_TASKS)),
        ("dexgen.dexnet.synth.registry.TASKS", set(SYNTH_TASKS)),
        ("dexgen.params.learn.default_tasks()", set(default_tasks())),
        ("dexnet.synth.tasks default", set(SynthConfig().tasks)),
        ("dexnet.synth.<task> sections", _per_task_fields(SynthConfig)),
        ("dexnet.download.tasks default", set(DownloadConfig().tasks)),
        ("dexnet.download.<task> sections", _per_task_fields(DownloadConfig)),
        ("params.yaml tasks", set(load_params(REPO / "params.yaml").tasks)),
        *[(f"dvc.yaml {s} matrix", set(DVC[s]["matrix"]["task"])) for s in ("train", "evaluate", "convert")],
    ],
)
def test_every_task_list_is_the_registry(where, names):
    assert names == set(TASK_NAMES), f"{where} names {sorted(names)}; the tasks are {list(TASK_NAMES)}"
