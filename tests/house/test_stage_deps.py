"""dvc.yaml cannot go stale: every stage depends on every source file it may run, reads only the params
it declares, and spells the paths :mod:`dexgen.layout` derives.

A missing dep is the dangerous kind of mistake: DVC then silently skips a re-run that was needed.
"""

from __future__ import annotations

import ast
import dataclasses
import os
import subprocess
import sys
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest
from house.imports import REPO, closure

from dexgen import layout
from dexgen.params.tree import Params, load_params

# Source files a stage imports but whose edits cannot change any output. Empty: every file counts.
ALLOWED_UNDECLARED: dict[str, str] = {}


def _stages() -> list:
    from dvc.repo import Repo

    cwd = os.getcwd()
    os.chdir(REPO)  # DVC resolves dvc.yaml and params.yaml against the working directory
    try:
        with Repo(str(REPO)) as repo:
            return list(repo.index.stages)
    finally:
        os.chdir(cwd)


STAGES = _stages()
NAMES = [s.addressing for s in STAGES]


def _script(stage) -> Path:
    words = stage.cmd.split()
    if words[0] != "python" or not words[1].startswith("stages/"):
        raise AssertionError(f"{stage.addressing}: cmd must run `python stages/<stage>.py ...`: {stage.cmd}")
    return REPO / words[1]


def _file_deps(stage) -> list[Path]:
    return [Path(d.fs_path) for d in stage.deps if not hasattr(d, "params")]


def _declared_params(stage) -> set[str]:
    return {key for d in stage.deps if hasattr(d, "params") for key in d.params}


@pytest.mark.parametrize("stage", STAGES, ids=NAMES)
def test_every_imported_source_file_is_a_dep(stage):
    deps = _file_deps(stage)
    missing = []
    for path in sorted(closure(_script(stage))):
        rel = path.relative_to(REPO).as_posix()
        if rel in ALLOWED_UNDECLARED:
            continue
        if not any(path == d or d in path.parents for d in deps):
            missing.append(rel)
    assert not missing, (
        f"{stage.addressing} imports files dvc.yaml does not list as deps, so editing them would not "
        f"re-run it; run `python scripts/gen_stage_deps.py`: {missing}"
    )


# Sections a stage may take whole while declaring only one entry of them: the library indexes them by
# the matrix item (``tasks.${item.task}``) or by ``model.name`` (``models.${model.name}``).
INDEXED = {"tasks", "models"}


def _field_chain(names: list[str]) -> str:
    """The longest prefix of ``names`` that is a key path of the params tree (``models.section`` is a
    method: ``models``)."""
    node, keys = Params, []
    for name in names:
        if not dataclasses.is_dataclass(node):
            break
        fields = {f.name: f for f in dataclasses.fields(node)}
        if name not in fields:
            break
        keys.append(name)
        node = typing.get_type_hints(node)[name]
    return ".".join(keys)


def _params_reads(tree: ast.AST) -> Iterator[tuple[str | None, int]]:
    """(key path, line) of every use of the ``params`` argument; None for a bare use."""
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == "params" and isinstance(node.ctx, ast.Load):
            names, parent = [], parents.get(node)
            while isinstance(parent, ast.Attribute):
                names.append(parent.attr)
                parent = parents.get(parent)
            yield (_field_chain(names) or None), node.lineno


def _covered(key: str, declared: set[str]) -> bool:
    if any(key == d or key.startswith(f"{d}.") for d in declared):
        return True
    return key in INDEXED and any(d.startswith(f"{key}.") for d in declared)


@pytest.mark.parametrize("stage", STAGES, ids=NAMES)
def test_a_stage_reads_only_the_params_it_declares(stage):
    """By full key path: a stage declaring ``dexnet.synth`` may not read ``dexnet.source``."""
    script = _script(stage)
    tree = ast.parse(script.read_text())
    run = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "run"), None)
    assert run is not None, f"{script}: no run(args, params) function"
    declared = _declared_params(stage)
    for key, line in _params_reads(run):
        assert key is not None, (
            f"{script}:{line}: passes the whole params tree on; hand over the sections the stage declares"
        )
        assert _covered(key, declared), (
            f"{script}:{line}: reads params.{key}, which {stage.addressing} does not declare in dvc.yaml "
            f"(it declares {sorted(declared)}): DVC would not re-run it when {key} changes"
        )


def test_a_read_outside_the_declared_key_path_is_caught():
    tree = ast.parse("def run(args, params):\n    return params.dexnet.source, params.dexnet.synth.tasks\n")
    reads = [key for key, _ in _params_reads(tree)]
    assert reads == ["dexnet.source", "dexnet.synth.tasks"] or sorted(reads) == [
        "dexnet.source",
        "dexnet.synth.tasks",
    ]
    assert not _covered("dexnet.source", {"dexnet.synth"}) and _covered(
        "dexnet.synth.tasks", {"dexnet.synth"}
    )
    assert not _covered("dexnet", {"dexnet.synth"})  # the whole section is more than was declared
    assert _covered("tasks", {"tasks.suction"}) and not _covered("sim", {"sim.backend"})


def test_code_deps_are_generated_from_the_closures():
    """``scripts/gen_stage_deps.py --check``: dvc.yaml's code deps are what the generator writes."""
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts/gen_stage_deps.py"), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def _expected_paths(stage) -> list[Path]:
    params = load_params(REPO / "params.yaml")
    name, _, item = stage.addressing.partition("@")
    per_stage = {
        "objects": lambda: [layout.OBJECTS, layout.CACHE, layout.OBJECTS_REPORT],
        "guess": lambda: [layout.objects_shard(item), layout.guesses_shard(item)],
        "simulate": lambda: [layout.objects_shard(item), layout.guesses_shard(item), layout.sim_shard(item)],
        "sim_report": lambda: [layout.SIM, layout.SIM_REPORT],
        "sim_compare": lambda: [
            layout.OBJECTS,
            layout.GUESSES,
            layout.CACHE,
            layout.SIM_COMPARE,
            layout.SIM_COMPARE_METRICS,
            layout.SIM_COMPARE_PICTURES,
        ],
        "guess_report": lambda: [
            layout.OBJECTS,
            layout.GUESSES,
            layout.SIM,
            layout.GUESS_REPORT,
            layout.GUESS_PICTURES,
        ],
        "graspgen": lambda: [layout.OBJECTS, layout.GUESSES, layout.SIM, layout.GRASPGEN],
        "dexnet_synth": lambda: [layout.OBJECTS, layout.DEXNET / "synth", layout.CACHE],
        "fetch_dexnet": lambda: [layout.DEXNET / "download"],
        "train": lambda: [
            layout.dexnet_dataset(params.dexnet, item),
            layout.model_dir(item),
            layout.train_live_dir(item),
        ],
        "evaluate": lambda: [
            layout.model_dir(item),
            layout.dexnet_dataset(params.dexnet, item),
            layout.eval_metrics(item),
            layout.eval_live_dir(item),
            layout.eval_pictures(item),
        ],
        "convert": lambda: [layout.model_dir(item), layout.fc_model_dir(item), layout.convert_metrics(item)],
        "benchmark": lambda: [layout.dexnet_dataset(params.dexnet, "parallel_jaw")],
    }
    assert name in per_stage, f"{name}: a new stage; say here which dexgen.layout paths its cmd spells"
    return per_stage[name]()


@pytest.mark.parametrize("stage", STAGES, ids=NAMES)
def test_commands_spell_the_layout_paths(stage):
    words = set(stage.cmd.split())
    for path in _expected_paths(stage):
        assert path.as_posix() in words, f"{stage.addressing}: cmd does not spell {path} (dexgen.layout)"
