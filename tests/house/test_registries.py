"""One list of Dex-Net tasks (:mod:`dexgen.params.tasks`): everything keyed by task follows it. One list of
gripper kinds (:mod:`dexgen.grippers.kinds`): every kind answers the same questions, and no code outside
the registry tells kinds apart by class."""

from __future__ import annotations

import ast
import dataclasses

import pytest
import yaml
from house.imports import REPO, SRC

from dexgen.dexnet.fields import TASKS as FIELD_TASKS
from dexgen.dexnet.synth.registry import TASKS as SYNTH_TASKS
from dexgen.grippers import kinds
from dexgen.grippers.loader import load_gripper
from dexgen.grippers.model import model_from_box
from dexgen.grippers.spec import KINDS as YAML_KINDS
from dexgen.params.dexnet import DownloadConfig
from dexgen.params.learn import default_tasks
from dexgen.params.sim import DecompositionConfig, SimConfig
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


# The gripper classes, and the unions of them, whose isinstance checks are the kind dispatch this replaces.
GRIPPER_CLASSES = {"ParallelJawGripper", "SuctionGripper", "GripperModel", "SimHand", "Gripper", "Hand"}
# Files where telling kinds apart by class is the point: the registry itself.
CLASS_CHECKS_ALLOWED = {"src/dexgen/grippers/kinds.py"}


def _one_of_each_kind() -> dict[str, object]:
    """A gripper of every registered kind, plus the simulator's made-ready real hand (kind real_hand)."""
    from dexgen.sim.hand_spec import sim_hand  # mujoco: only when this test runs

    box = load_gripper("robotiq_2f_85")
    model = model_from_box(box)
    cfg = SimConfig(decomposition=DecompositionConfig(method="hull"))
    found = {
        kinds.PARALLEL_JAW: box,
        kinds.SUCTION: load_gripper("suction_30mm"),
        kinds.REAL_HAND: model,
        "real_hand (SimHand)": sim_hand(model, cfg, cache_dir=None),
    }
    assert set(kinds.KINDS) <= set(found), f"add a {sorted(set(kinds.KINDS) - set(found))} gripper here"
    return found


def test_every_gripper_kind_answers_the_protocol():
    for label, gripper in _one_of_each_kind().items():
        assert isinstance(gripper, kinds.GripperKind), (
            f"{label}: {type(gripper).__name__} lacks a protocol member"
        )
        assert gripper.gripper_kind in kinds.KINDS, (
            f"{label}: kind {gripper.gripper_kind!r} is not registered"
        )
        assert isinstance(gripper.two_finger, bool) and gripper.reach > 0
        model = gripper.hand_model
        assert model is None or isinstance(model, kinds.kind_class(kinds.REAL_HAND)), label


def test_gripper_kinds_are_named_once():
    classes = {name: kinds.kind_class(name) for name in kinds.KINDS}
    assert len(set(classes.values())) == len(classes), f"a class is registered twice: {classes}"
    for name, cls in classes.items():
        assert cls.gripper_kind == name, (
            f"{cls.__name__}.gripper_kind is {cls.gripper_kind!r}, registered as {name!r}"
        )
    assert tuple(YAML_KINDS) == kinds.FILE_KINDS and set(kinds.FILE_KINDS) <= set(kinds.KINDS)
    assert {task.gripper_kind for task in SYNTH_TASKS.values()} <= set(kinds.KINDS)
    with pytest.raises(ValueError, match="the kinds are"):
        kinds.kind_class("two_finger")


def _class_checks(path) -> list[str]:
    """``isinstance``/``issubclass`` calls in ``path`` whose class argument names a gripper class."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("isinstance", "issubclass")
            and len(node.args) == 2
        ):
            continue
        named = {
            n.id if isinstance(n, ast.Name) else n.attr
            for n in ast.walk(node.args[1])
            if isinstance(n, (ast.Name, ast.Attribute))
        }
        if named & GRIPPER_CLASSES:
            found.append(f"{path.relative_to(REPO)}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_gripper_kinds_are_not_told_apart_by_class():
    found = [
        hit
        for path in sorted((SRC / "dexgen").rglob("*.py"))
        if path.relative_to(REPO).as_posix() not in CLASS_CHECKS_ALLOWED
        for hit in _class_checks(path)
    ]
    assert not found, (
        "ask the gripper (gripper.two_finger, gripper.hand_model, gripper.gripper_kind == kinds.SUCTION) or "
        "register the behaviour with functools.singledispatch instead of:\n" + "\n".join(found)
    )
